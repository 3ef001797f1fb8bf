-- deliver.lua - write one mention and its alerts, once: across restarts,
-- crashes and every mentiond instance that shares this Redis.
--
-- The sink sends it (EVALSHA) for each new mention. It claims the mention's
-- seen key (SET EX, if the key does not exist); only the first claim within
-- the window writes the mention to the mentions stream and each alert to its
-- queue and channel.
-- Redis runs a script with nothing in between, so the claim and the writes
-- cannot part: a crash after the claim cannot lose the alerts, and sending
-- the same call again after a lost connection writes nothing twice. A
-- command that fails inside a script does not undo those before it, though,
-- so every key written is checked first: a key of another type (a string
-- where the alert stream should be) refuses the whole call, with WRONGTYPE
-- and the key's name, before anything is claimed; the sink holds the
-- mention and tries again until the key is fixed. A mention claimed before
-- costs one GET: no type is checked, since nothing is written.
--
-- An edit of a mention written before, sent by a mentiond that did not see
-- the first (a restart, another instance), is told from a repeat by the
-- first's seen key, which holds the hash of its text and its classes: with
-- another hash it is written as the update it is (named KEY#edit-HASH, as
-- the instance that saw the first names it, dup_of KEY, dup_reason
-- "update"), alerting only for the classes the first had not. The classes
-- of every update are added to the first's.
--
-- KEYS  1 the seen key, 2 the mentions stream, 3 4 5 the question, negative
--       and positive alert queues (streams, or lists with queue = list),
--       6 the seen key of the first, for an update (else KEYS[1] again)
-- ARGV  1 window in seconds, 2 the mention key, 3 its JSON, 4 the streams'
--       MAXLEN ~ (0: none), 5 the classes that alert ("q", "n", "p", in any
--       combination, or ""), 6 "list" when the queues are lists, 7 the
--       consumer group ("": none), 8 the hash of the text (8 hex digits,
--       "": not known), 9 the mention's classes (letters as in 5)
-- An alert stream that is not there (Redis lost its data, someone deleted
-- it) is made again with its consumer group, from its start: the sink makes
-- the groups only when it connects, and a group made then, at the end of
-- the stream, would never hand out the alerts written before it.
-- Returns 1 when written, 0 when the mention had been written before, 2
-- when written as an update of a mention written before that alerts, 3 as
-- one that does not.
-- A call of an earlier version of this script (read back from the spool
-- after an upgrade, under this script's SHA1) lacks the keys and arguments
-- added since, at their ends: those take their "none".
local first_key, group = KEYS[6] or KEYS[1], ARGV[7] or ''
local text_hash, has = ARGV[8] or '', ARGV[9] or ''
local id, json, alerts, seen = ARGV[2], ARGV[3], ARGV[5], KEYS[1]
local edit_of = false

-- The hash and the classes a seen key's value V holds, or nil.
local function first(v)
	if not v then
		return nil
	end
	return string.match(v, '^(%x+) (%a*)$')
end

-- The letters of A that are not in B.
local function minus(a, b)
	return (string.gsub(a, '.', function(c)
		return string.find(b, c, 1, true) and '' or c
	end))
end

local before = redis.call('GET', seen)
local claimed = before ~= false
if claimed and text_hash ~= '' and first_key == KEYS[1] then
	local hash, had = first(before)
	if hash and hash ~= text_hash then
		-- Not a key of KEYS: the instance that saw the first claims
		-- the same one, as KEYS[1].
		id = ARGV[2] .. '#edit-' .. text_hash
		seen = KEYS[1] .. '#edit-' .. text_hash
		claimed = redis.call('EXISTS', seen) == 1
		alerts = minus(alerts, had)
		edit_of = ARGV[2]
	end
end
if claimed then
	return 0
end

local queue_type = ARGV[6] == 'list' and 'list' or 'stream'
local queues = { q = KEYS[3], n = KEYS[4], p = KEYS[5] }

local missing = {}

local function wrong(key, want)
	local t = redis.call('TYPE', key).ok
	if t == 'none' then
		missing[key] = true
	elseif t ~= want then
		return 'WRONGTYPE ' .. key .. ' holds a ' .. t .. ', not a ' .. want
	end
end

local err = wrong(KEYS[2], 'stream')
for i = 1, #alerts do
	local key = queues[string.sub(alerts, i, i)]
	if key and not err then
		err = wrong(key, queue_type)
	end
end
if err then
	return redis.error_reply(err)
end

if text_hash ~= '' and not edit_of and first_key == KEYS[1] then
	redis.call('SET', seen, text_hash .. ' ' .. has, 'EX', ARGV[1])
else
	redis.call('SET', seen, '1', 'EX', ARGV[1])
end
-- An update's classes are the first's too, for its next edit.
if edit_of or first_key ~= KEYS[1] then
	local hash, had = first(redis.call('GET', first_key))
	if hash then
		redis.call('SET', first_key, hash .. ' ' .. had ..
		    minus(has, had), 'KEEPTTL')
	end
end
if edit_of then
	local tail = '"dup_of":null,"dup_reason":null}'
	if string.sub(json, -#tail) == tail then
		json = string.sub(json, 1, -#tail - 1) .. '"dup_of":' ..
		    cjson.encode(edit_of) .. ',"dup_reason":"update"}'
	end
end

local function append(key, stream)
	if not stream then
		redis.call('LPUSH', key, json)
	elseif ARGV[4] ~= '0' then
		redis.call('XADD', key, 'MAXLEN', '~', ARGV[4], '*',
		    'id', id, 'data', json)
	else
		redis.call('XADD', key, '*', 'id', id, 'data', json)
	end
end

append(KEYS[2], true)
for i = 1, #alerts do
	local key = queues[string.sub(alerts, i, i)]
	if key then
		if missing[key] and queue_type == 'stream' and group ~= '' then
			redis.call('XGROUP', 'CREATE', key, group, '0',
			    'MKSTREAM')
		end
		append(key, queue_type == 'stream')
		redis.call('PUBLISH', key, json)
	end
end
if edit_of then
	return #alerts > 0 and 2 or 3
end
return 1
