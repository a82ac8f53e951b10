"""Fenced-code info strings to the language names Notion's `code` block accepts."""

from __future__ import annotations

# Notion's `code.language` enum, as in the official JS SDK's `LanguageRequest`
# (makenotion/notion-sdk-js src/api-endpoints/common.ts): any other value fails the request.
NOTION_LANGUAGES = frozenset(
    {
        "abap", "agda", "arduino", "assembly", "bash", "basic", "bnf", "c", "c#", "c++",
        "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf",
        "elixir", "elm", "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go", "graphql",
        "groovy", "haskell", "html", "idris", "java", "java/c/c++/c#", "javascript", "json",
        "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile",
        "markdown", "markup", "mathematica", "matlab", "mermaid", "nix", "notion formula",
        "objective-c", "ocaml", "pascal", "perl", "php", "plain text", "powershell", "prolog",
        "protobuf", "purescript", "python", "r", "racket", "reason", "ruby", "rust", "sass",
        "scala", "scheme", "scss", "shell", "solidity", "sql", "swift", "toml", "typescript",
        "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml",
    }
)  # fmt: skip

PLAIN_TEXT = "plain text"

# Common info-string spellings (GitHub/linguist aliases) of the languages Notion knows.
_ALIASES = {
    "py": "python", "py3": "python", "python3": "python", "pycon": "python",
    "sh": "shell", "bash": "shell", "zsh": "shell", "console": "shell", "shell-session": "shell",
    "shellsession": "shell", "ps1": "powershell", "pwsh": "powershell",
    "yml": "yaml", "json5": "json", "jsonc": "json", "jsonl": "json",
    "js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript",
    "node": "javascript", "ts": "typescript", "tsx": "typescript",
    "md": "markdown", "text": PLAIN_TEXT, "txt": PLAIN_TEXT, "plain": PLAIN_TEXT,
    "plaintext": PLAIN_TEXT, "none": PLAIN_TEXT, "": PLAIN_TEXT,
    "postgresql": "sql", "postgres": "sql", "psql": "sql", "mysql": "sql", "sqlite": "sql",
    "rb": "ruby", "rs": "rust", "golang": "go", "kt": "kotlin", "kts": "kotlin",
    "cs": "c#", "csharp": "c#", "cpp": "c++", "cxx": "c++", "hpp": "c++", "h": "c",
    "objc": "objective-c", "fs": "f#", "fsharp": "f#", "dockerfile": "docker",
    "make": "makefile", "mk": "makefile", "proto": "protobuf", "htm": "html", "xhtml": "html",
    "svg": "xml", "tex": "latex", "ex": "elixir", "exs": "elixir", "erl": "erlang",
    "hs": "haskell", "ml": "ocaml", "pl": "perl", "patch": "diff", "gql": "graphql",
    "vb": "visual basic", "wasm": "webassembly", "wat": "webassembly", "clj": "clojure",
    "coffee": "coffeescript", "jl": "julia", "sol": "solidity",
}  # fmt: skip


def code_language(info: str) -> str:
    """`py` -> `python`, `YAML` -> `yaml`; unknown or missing -> `plain text`."""
    words = info.split()
    name = words[0].strip("{}.").lower() if words else ""
    if name in _ALIASES:
        return _ALIASES[name]
    return name if name in NOTION_LANGUAGES else PLAIN_TEXT
