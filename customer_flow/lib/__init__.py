"""Model-free building blocks: no app's models, no app's rules.

Nothing here imports ``customers`` or ``tickets`` (tests/system/test_import_rules.py
checks it); the apps pass their models in where a helper needs one.
"""
