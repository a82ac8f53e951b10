"""The condition language, business time, local and SQL evaluation, test cases, explanations."""
