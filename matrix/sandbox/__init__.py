"""A stand-in for WeChat's API: the default platform of `make dev` and the peer of the tests.

It imports nothing of the product: it is a separate Sanic app with its own state file, so
what the product believes about WeChat is checked against an independent implementation.
"""
