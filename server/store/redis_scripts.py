"""The Lua scripts of the Redis store (server/store/redis.py), each run atomically by Redis.

Loaded with redis-py's ``register_script``, which sends a script again after a NOSCRIPT
(a restarted Redis, a failover). Every key lives under one hash tag (``{touchline}``), so all
of them sit in one slot should the store ever run on Redis Cluster. The log key of an epoch
(``{touchline}:log:<epoch>``) is built inside ``LOAD`` from the epoch it reads; the others
are passed in KEYS.

The Redis server's ``run_id`` (``INFO server``), new at every start and different on a
promoted replica, is compared with the one stored in the meta hash by every write: a Redis
that restarted refuses writes until a server has decided whether the epoch can go on
(``Meta.check`` in redis.py).
"""

from __future__ import annotations

#: The running Redis's run_id, for the scripts below.
_RUN_ID = "local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')\n"

#: One publish: the checks, the numbering, the new match state, the log append, the
#: progress and the answer to a keyed publish, all or nothing.
#: KEYS: meta, log, matches, order, replies, replies_by_seq, progress, lease.
#: ARGV: epoch, seq, kind, match id, event data, match state, keep, progress key and value,
#: lease token, reply field, reply, whether the entry carries the match state (1/0).
APPEND = (
    _RUN_ID
    + """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'run')
if not meta[1] then return {'gone'} end
if meta[3] ~= run then return {'restarted'} end
if meta[1] ~= ARGV[1] then return {'moved'} end
-- A retry of a keyed publish made through any server gets that publish's answer.
if ARGV[11] ~= '' then
  local found = redis.call('HGET', KEYS[5], ARGV[11])
  if found then return {'answered', found} end
end
-- The sequence number the server read is the one it applied the rules to: another server
-- appended since, so the rules must run again on the newer state.
if tonumber(meta[2]) + 1 ~= tonumber(ARGV[2]) then return {'behind', meta[2]} end
if ARGV[10] ~= '' and redis.call('GET', KEYS[8]) ~= ARGV[10] then return {'lease'} end
local fields = {'k', ARGV[3], 'm', ARGV[4], 'd', ARGV[5]}
if ARGV[8] ~= '' then
  table.insert(fields, 'p'); table.insert(fields, ARGV[8])
  table.insert(fields, 'v'); table.insert(fields, ARGV[9])
  redis.call('HSET', KEYS[7], ARGV[8], ARGV[9])
end
if ARGV[13] == '1' then
  table.insert(fields, 's'); table.insert(fields, ARGV[6])
end
if ARGV[11] ~= '' then
  table.insert(fields, 'r'); table.insert(fields, ARGV[12])
  redis.call('HSET', KEYS[5], ARGV[11], ARGV[12])
  redis.call('ZADD', KEYS[6], ARGV[2], ARGV[11])
end
-- Exact trimming (no '~'): the log holds exactly the newest ``keep`` events.
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[7], ARGV[2] .. '-0', unpack(fields))
redis.call('HSET', KEYS[1], 'seq', ARGV[2])
if redis.call('HSET', KEYS[3], ARGV[4], ARGV[6]) == 1 then
  redis.call('ZADD', KEYS[4], redis.call('ZCARD', KEYS[4]), ARGV[4])
end
-- Answers are kept while their event is in the log; a few at a time, so no call is long.
local oldest = tonumber(ARGV[2]) - tonumber(ARGV[7])
local old = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', oldest, 'LIMIT', 0, 64)
if #old > 0 then
  redis.call('HDEL', KEYS[5], unpack(old))
  redis.call('ZREM', KEYS[6], unpack(old))
end
return {'ok'}
"""
)

#: Everything a server needs to start following: the meta, the matches in the order they
#: were added, the newest ``keep`` events, the kept answers and the progress values.
#: (Each answer's event is its score in replies_by_seq.)
#: KEYS: meta, matches, order, replies, replies_by_seq, progress. ARGV: the log key's
#: prefix, keep.
LOAD = (
    _RUN_ID
    + """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'run')
if not meta[1] then return {'', '0', '', run} end
local ids = redis.call('ZRANGE', KEYS[3], 0, -1)
local matches = {}
for i, id in ipairs(ids) do matches[i] = redis.call('HGET', KEYS[2], id) end
local entries = redis.call('XREVRANGE', ARGV[1] .. meta[1], '+', '-', 'COUNT', ARGV[2])
return {meta[1], meta[2], meta[3] or '', run, ids, matches, entries,
        redis.call('HGETALL', KEYS[4]), redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES'),
        redis.call('HGETALL', KEYS[6])}
"""
)

#: Where the log stands: the stored epoch, sequence number and run_id, and the running
#: Redis's run_id. KEYS: meta.
CHECK = (
    _RUN_ID
    + """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'run')
return {meta[1] or '', meta[2] or '0', meta[3] or '', run}
"""
)

#: A restarted Redis that kept every write: the epoch goes on under the new run_id, if the
#: meta is still as the caller saw it. KEYS: meta. ARGV: the epoch and run_id seen.
ADOPT = (
    _RUN_ID
    + """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'run')
if (meta[1] or '') ~= ARGV[1] or (meta[2] or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'run', run)
return 1
"""
)

#: A new epoch, if the meta is still as the caller saw it (of several servers deciding at
#: once, one wins; the others load what it wrote). Followers of the old log find a ``reset``
#: entry there. Seeded: the matches, answers and progress are the caller's own copy (the
#: store lost events the caller had); otherwise what the store has is kept, and the answers
#: it keeps count as the new epoch's oldest.
#: KEYS: meta, old log, new log, matches, order, replies, replies_by_seq, progress.
#: ARGV: the epoch and run_id seen, the new epoch, seeded (1/0), then as JSON: [[id, match]],
#: [[reply field, reply]], {progress key: value}.
NEW_EPOCH = (
    _RUN_ID
    + """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'run')
if (meta[1] or '') ~= ARGV[1] or (meta[2] or '') ~= ARGV[2] then return 0 end
if meta[1] and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'k', 'reset', 'e', ARGV[3])
  redis.call('EXPIRE', KEYS[2], 300)
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[1], 'epoch', ARGV[3], 'seq', '0', 'run', run)
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
  for i, pair in ipairs(cjson.decode(ARGV[5])) do
    redis.call('HSET', KEYS[4], pair[1], pair[2])
    redis.call('ZADD', KEYS[5], i - 1, pair[1])
  end
  for _, pair in ipairs(cjson.decode(ARGV[6])) do
    redis.call('HSET', KEYS[6], pair[1], pair[2])
    redis.call('ZADD', KEYS[7], 0, pair[1])
  end
  for key, value in pairs(cjson.decode(ARGV[7])) do redis.call('HSET', KEYS[8], key, value) end
else
  for _, field in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
    redis.call('ZADD', KEYS[7], 0, field)
  end
end
return 1
"""
)

#: Extends a lease, if the caller still holds it. KEYS: the lease. ARGV: token, ttl in ms.
RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""

#: Gives a lease up, if the caller still holds it. KEYS: the lease. ARGV: token.
RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
