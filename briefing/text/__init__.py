"""Shared text machinery: normalising text, splitting sentences, and the tokenizer and tf-idf vectors."""
