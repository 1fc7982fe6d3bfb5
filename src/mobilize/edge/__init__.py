"""What the two front ends, the JSON API (`api`) and the pages (`web`), share: the app's
context and the caller (`context`), problem+json answers (`problems`), and the query
parameters both read alike (`rows`, `trail`).

It sits between the domains' services and the front ends: it imports services, and no
domain imports it (`tests/test_layers.py`), so `api` and `web` are siblings over the
services and neither imports the other.
"""
