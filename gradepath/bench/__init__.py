"""Measuring Gradepath as its users meet it: the page benchmark and the load test (issue 13).

``gradepath bench pages`` times every key page and list endpoint in this process against the
configured database (:mod:`gradepath.bench.pages`); ``gradepath bench load`` drives a running
server over loopback with signed-in clients (:mod:`gradepath.bench.load`). Both only read: the
pages bench writes nothing but the sessions of the logins it uses (removed at the end), and
brings the matching index up to date as the worker would.
"""
