"""A small fictional news site served on 127.0.0.1, misbehaving on purpose, for the fetch and sources tests."""
