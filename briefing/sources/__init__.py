"""Stage 1, sources: files, directories, stdin, JSONL, HTML, Markdown, RSS/Atom feeds and URLs into `Document`s.

`ingest.load_documents` is the entry point; `documents.make_document` is where every reader makes its documents.
"""
