"""policygraph: trace Japanese government reform mandates to measured outcomes.

Library entry points::

    from policygraph.project import Project
    from policygraph.pipeline import build, build_in_memory
    from policygraph.query.trace import trace
"""
__version__ = "0.1.0"
