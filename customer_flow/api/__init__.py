"""The REST API under /api/v1/ (Django REST framework), and its tokens.

One module per resource (``customers``, ``tickets``, ``ticket_types``,
``imports``), each holding its serializers and its viewset; the shared pieces
are ``authentication`` (hashed Bearer tokens, django-rest-knox), ``permissions``
(the model permissions, as on the pages), ``pagination`` (cursors),
``concurrency`` (ETag / If-Match) and ``errors`` (one error shape, never a 500).
The viewsets call the same forms, services and importers as the pages.
"""
