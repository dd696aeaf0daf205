"""Stage 2, summarize: sentences ranked across all documents, near-duplicates merged, items selected, stories.

`pipeline.build_briefing` is the entry point.
"""
