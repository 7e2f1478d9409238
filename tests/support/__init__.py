"""What tests share; tests import helpers from here only, never from another test module.

- wait: ``wait_until`` and ``wait_until_async``, the one polling wait (Qt tests use
  ``qtbot.waitUntil``).
- serverproc: the real server in a subprocess (``server_fixture``, ``run_server``,
  ``start_server``; ``run_cli`` for starts meant to fail), its log pumped by logpump.
- sse_reader, rawhttp: stream subscribers, well-behaved and not.
- keyed_publish: publishing steps (a live match, a marker, what a stream sent after an id).
- stream_fixtures: for the viewer's stream client (a scorer, a follower, a scripted server,
  a cuttable proxy); matchdata: matches and events made by the server's own rules.
- procfs: whether a process runs, and its memory.
- provider_server, provider_payloads: a scripted data provider (a real local HTTP server) and
  its answers in football-data.org's and ESPN's shapes, the 2022 World Cup final among them;
  provider_snapshots: normalised snapshots and a real broker following them (the detector's
  tests).
- keyrings: an in-memory keyring backend and keyring's fail backend, set for a block.
- timezone: ``local_time(zone)``, the process's local time zone for a block.
"""
