"""Shared text machinery: normalising text, languages, splitting sentences, and the tokenizer and tf-idf vectors."""
