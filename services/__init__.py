"""The gRPC service of heihachi-index: ``heihachi-index serve``, thin over the library.

:mod:`.server` (lifecycle, signals), :mod:`.background` (a server in a thread, for tests and the
demo), :mod:`.index_service` and :mod:`.search_service` (the RPCs), :mod:`.ingest` (streamed
ingestion), :mod:`.guard` (auth, limits, deadlines, errors, access logs and metrics around every
RPC), :mod:`.workers` and :mod:`.jobs` (the process pool and what runs in it), :mod:`.known`
(what the index holds, for skipping), :mod:`.uploads`, :mod:`.paths`, :mod:`.auth`,
:mod:`.metrics`, :mod:`.convert`, :mod:`.errors`, :mod:`.state`.
"""
