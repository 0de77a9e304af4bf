"""Model-free building blocks: nothing here imports ``customers`` or ``tickets``
(tests/system/test_import_rules.py checks it); the apps pass their models in
where a helper needs one.
"""
