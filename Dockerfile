# The notifier's service: escalations notify serve, behind an HTTPS proxy or load balancer.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY schema ./schema
RUN pip install --no-cache-dir .
COPY framework ./framework
COPY sync ./sync
RUN useradd --system --uid 10001 escalations && mkdir -p /data && chown escalations /data
USER escalations
EXPOSE 8080
VOLUME /data
CMD ["escalations", "notify", "serve", "--host", "0.0.0.0", "--port", "8080", "--target", "production", "--outbox", "/data/outbox.db"]
