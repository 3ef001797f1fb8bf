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
-- costs one EXISTS: no type is checked, since nothing is written.
--
-- KEYS  1 the seen key, 2 the mentions stream, 3 4 5 the question, negative
--       and positive alert queues (streams, or lists with queue = list)
-- ARGV  1 window in seconds, 2 the mention key, 3 its JSON, 4 the streams'
--       MAXLEN ~ (0: none), 5 the classes that alert ("q", "n", "p", in any
--       combination, or ""), 6 "list" when the queues are lists, 7 the
--       consumer group ("": none)
-- An alert stream that is not there (Redis lost its data, someone deleted
-- it) is made again with its consumer group, from its start: the sink makes
-- the groups only when it connects, and a group made then, at the end of
-- the stream, would never hand out the alerts written before it.
-- Returns 1 when written, 0 when the mention had been written before.
if redis.call('EXISTS', KEYS[1]) == 1 then
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
for i = 1, #ARGV[5] do
	local key = queues[string.sub(ARGV[5], i, i)]
	if key and not err then
		err = wrong(key, queue_type)
	end
end
if err then
	return redis.error_reply(err)
end

redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])

local function append(key, stream)
	if not stream then
		redis.call('LPUSH', key, ARGV[3])
	elseif ARGV[4] ~= '0' then
		redis.call('XADD', key, 'MAXLEN', '~', ARGV[4], '*',
		    'id', ARGV[2], 'data', ARGV[3])
	else
		redis.call('XADD', key, '*', 'id', ARGV[2], 'data', ARGV[3])
	end
end

append(KEYS[2], true)
for i = 1, #ARGV[5] do
	local key = queues[string.sub(ARGV[5], i, i)]
	if key then
		if missing[key] and queue_type == 'stream' and ARGV[7] ~= '' then
			redis.call('XGROUP', 'CREATE', key, ARGV[7], '0',
			    'MKSTREAM')
		end
		append(key, queue_type == 'stream')
		redis.call('PUBLISH', key, ARGV[3])
	end
end
return 1
