"""Moderation: the pure rules engine, the gate posting asks, and the moderators' use cases.

The parts, lowest first (``docs/design.md`` draws them):

- ``rules``: the pure engine that judges a draft (no Flask, no database);
- ``models`` and ``audit``: the rule rows, flags, sanctions, appeals, and the append-only log;
- ``gate``: screening a draft and the refusals in force (sanctions, slow mode, thread timers);
- ``queue``, ``flags``, ``sanctions``, ``appeals``, ``rules_admin``, ``thread_tools``,
  ``transparency``: what moderators do, one transaction per action;
- ``views``: the pages (registered by ``forum.app``).

This file imports nothing, so ``import moderation.rules`` stays free of Flask and the database.
"""
