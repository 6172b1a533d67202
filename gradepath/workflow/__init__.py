"""The workflow engine every process runs on (issue 12; ADR 25).

A process is a table (:class:`gradepath.workflow.process.Process`: states, variants, moves with their
input fields and sentences, roles as resolvers, conditions as named checks, effects) that registers
itself (:mod:`gradepath.workflow.registry`); :mod:`gradepath.workflow.engine` performs every move of
every process the same way, and :class:`gradepath.workflow.models.Task` is the one task table the
inbox, reminders and dashboards read.
"""
