/**
 * Lua shared by the scripts that change users and cluster aggregates, so each rule is written
 * once. The rules' parameters (a model's favourite threshold, say) come from the TypeScript that
 * owns them, as script arguments.
 *
 * Stored values. A user's rating of a movie is one integer, timestamp * 16 + rating in half
 * stars (1..10); an explicit favourite is timestamp * 2 + 1 when added (+ 0 when removed). Either
 * orders by (timestamp, value), so last-writer-wins is one comparison of integers, exact below
 * 2^53 (events bound timestamps to 2^49 - 1), and Redis keeps them in its compact integer
 * encoding. Lua numbers are doubles: fmt() writes them as integers, never as "1.2e+15".
 *
 * A model to apply to is {v = version, k = clusters, fav2 = favourite threshold in half stars}.
 * Version 0 is the all-users aggregate: one cluster everyone is in, kept whatever models exist.
 *
 * A hidden movie (disliked or watched: kept out of the user's lists, no effect on aggregates) is
 * timestamp * 4 + 1 (watched) or + 2 (disliked) in the user's hidden hash; the larger value is
 * kept, so duplicates and reorderings leave the same value.
 *
 * userAt(i, keysPerUser) is the i-th user's keys in a script taking keysPerUser per user:
 * {ratings, favs, meta, hidden}, ratings, favourites and meta first, hidden movies last.
 *
 * planUser(user, events) reads, and does not write, what a user's events change:
 * {before = {movie -> {r, f}}, after = {movie -> {r, f}}, ratings = {movie -> new value},
 * favs = {movie -> new value}, hidden = {movie -> new value}}. An event is [kind, movie, packed
 * value, timestamp], kind "r" (rating), "f" (explicit favourite added or removed) or "h" (hidden
 * movie); a replayed, duplicated or late event changes nothing, and so does an event at or before
 * the user's deletion (`deletedAt` in their meta hash: see delete-user.script). Scripts read
 * everything they need and check every condition before their first write: a script that fails
 * part-way keeps what it wrote, and a batch replayed after it would then find the users changed
 * and add nothing to the clusters.
 *
 * writePlan(user, plan) writes a plan's new values and, if it changed anything (hidden movies
 * included), counts one more version of the user's state (`v` in their meta hash): a recluster
 * that read the user at one version knows, when it joins them to a cluster, whether they changed
 * since.
 *
 * isGone(ratings, favs, meta) says whether a user was deleted and has no ratings or favourites
 * since: such a user is not placed in clusters nor joined to one, and is not reported unassigned
 * (withoutGone filters a per-model list of user indexes).
 *
 * planDeltas(plan, fav2) is the plan's effect on a cluster's aggregates, with fav2 as the
 * favourite threshold: {movie -> {sum2, count, favourite}}, movies without effect left out.
 *
 * userContribution(ratingsKey, favsKey, fav2) is everything one user adds to a cluster's
 * aggregates, in the same shape: what a user brings when joining a cluster, or takes when leaving.
 *
 * addDeltas(acc, deltas, sign) sums deltas (negated when sign is -1) into an accumulator.
 *
 * applyDelta(favs, sums, counts, movie, d) adds one delta to a cluster's aggregates and drops
 * entries that reach zero, so the aggregates equal a from-scratch computation key for key.
 *
 * applyPending(pending) applies summed deltas to clusters: pending[tb] = {movie -> delta} for the
 * cluster whose four keys (favourites, sums, counts, changes; RedisKeys.clusterAggregateKeys)
 * follow KEYS[tb], and appends the movies it changed to the cluster's change stream, as entry
 * 0-(n+1) after entry 0-n, keeping the last CHANGES_KEPT or so: a reader that saw entry n reads
 * from n+1 on, and knows it missed some when the first it gets is later
 * (ClusterAggregatesStore.readChanges).
 *
 * usersClusters(models, users, keysPerUser) reads each user's cluster in each model from their
 * meta hash (the third of each user's keysPerUser keys): clusters[i][m], unassigned[m] (1-based
 * user indexes with no cluster in model m) and provisional[i][m] (the rating count at which a
 * provisionally placed user was placed). The users' own fields decide, not the caller's view: a
 * cluster in a version newer than the given ones means a model was published after the caller
 * looked, and it returns nil so the script can refuse before its first write. Fields of older,
 * inactive versions are ignored: those aggregates are no longer maintained.
 *
 * duePlacements(models, provisional, users, keysPerUser) lists, per model, the provisionally
 * placed users whose ratings doubled since they were placed (1, 2, 4, 8, ... ratings): their
 * placement is due again, now that their ratings say more.
 *
 * planPlacement(ratings, favs, meta, input, cluster) reads what putting one user in `cluster` of
 * version input.v changes (see place-users.script): {current, movable, moves, deltas, rated};
 * writePlacement(meta, input, cluster, plan) writes the user's fields.
 *
 * staleFields(meta, v, keep) lists the user's fields of model versions other than v and `keep`.
 *
 * planJoin(ratings, favs, meta, input, user) reads what joining one user to their cluster of a
 * recluster's new version changes (see join-users.script): {current, joins, deltas, mark, due,
 * stale}; writeJoin(meta, v, cluster, plan) writes the user's fields. A user deleted since the
 * recluster read them joins no cluster, but is marked (`j:<version>` = 1) like any user who
 * changed, so the snapshot's contribution is taken back out.
 *
 * planErase(user, profile, deletedAt) reads what deleting a user changes: {fields (their `c:`
 * and `p:` fields), changed, deletedAt (the later of the one given and the latest timestamp of
 * anything stored of the user)}; writeErase(user, profile, plan) deletes their data and
 * leaves the tombstone (see delete-user.script).
 */
/** Entries a cluster's change stream keeps, roughly (it is trimmed with MAXLEN ~). */
export const CHANGES_KEPT = 1_000;

export const LUA_FUNCTIONS = `
local STALE = 'STALE_MODELS a model version newer than the active ones exists'

local function fmt(n) return string.format('%.0f', n) end

local function contribution(r, f, fav2)
  local r2 = r and r % 16
  local count = r2 and 1 or 0
  local fav = ((f and f % 2 == 1) or (r2 ~= nil and r2 >= fav2)) and 1 or 0
  return r2 or 0, count, fav
end

local function userAt(i, keysPerUser)
  local base = (i - 1) * keysPerUser
  return {
    ratings = KEYS[base + 1], favs = KEYS[base + 2], meta = KEYS[base + 3],
    hidden = KEYS[base + keysPerUser],
  }
end

local function deletedAtOf(meta)
  return tonumber(redis.call('HGET', meta, 'deletedAt') or '-1')
end

local function planUser(user, events)
  local deletedAt = deletedAtOf(user.meta)
  local before, after, ratings, favs, hidden, seen = {}, {}, {}, {}, {}, {}
  for _, ev in ipairs(events) do
    local kind, movie, value, timestamp = ev[1], ev[2], ev[3], ev[4]
    if timestamp <= deletedAt then
      -- Sent before the user was deleted: a replay, or late; the deletion stands.
    elseif kind == 'h' then
      local h = seen[movie]
      if h == nil then h = tonumber(redis.call('HGET', user.hidden, movie) or '0') end
      if value > h then
        h = value
        hidden[movie] = value
      end
      seen[movie] = h
    else
      local s = after[movie]
      if s == nil then
        local r = redis.call('HGET', user.ratings, movie)
        local f = redis.call('HGET', user.favs, movie)
        s = {r = r and tonumber(r) or nil, f = f and tonumber(f) or nil}
        before[movie] = {r = s.r, f = s.f}
        after[movie] = s
      end
      if kind == 'r' then
        if s.r == nil or value > s.r then
          s.r = value
          ratings[movie] = value
        end
      elseif s.f == nil or value > s.f then
        s.f = value
        favs[movie] = value
      end
    end
  end
  return {before = before, after = after, ratings = ratings, favs = favs, hidden = hidden}
end

local function hsetAll(key, values)
  local args = {}
  for field, value in pairs(values) do
    args[#args + 1] = field
    args[#args + 1] = fmt(value)
    if #args >= 1000 then
      redis.call('HSET', key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('HSET', key, unpack(args)) end
end

local function writePlan(user, plan)
  if next(plan.ratings) == nil and next(plan.favs) == nil and next(plan.hidden) == nil then return end
  hsetAll(user.ratings, plan.ratings)
  hsetAll(user.favs, plan.favs)
  hsetAll(user.hidden, plan.hidden)
  redis.call('HINCRBY', user.meta, 'v', 1)
end

local function isGone(ratings, favs, meta)
  return redis.call('HEXISTS', meta, 'deletedAt') == 1 and redis.call('EXISTS', ratings, favs) == 0
end

local function withoutGone(lists, gone)
  if next(gone) == nil then return lists end
  local out = {}
  for m, list in ipairs(lists) do
    out[m] = {}
    for _, i in ipairs(list) do
      if not gone[i] then table.insert(out[m], i) end
    end
  end
  return out
end

local function planDeltas(plan, fav2)
  local deltas = {}
  for movie, a in pairs(plan.after) do
    local b = plan.before[movie]
    local sb, cb, fb = contribution(b.r, b.f, fav2)
    local sa, ca, fa = contribution(a.r, a.f, fav2)
    if sa ~= sb or ca ~= cb or fa ~= fb then deltas[movie] = {sa - sb, ca - cb, fa - fb} end
  end
  return deltas
end

local function userContribution(ratingsKey, favsKey, fav2)
  local deltas = {}
  local flat = redis.call('HGETALL', ratingsKey)
  for i = 1, #flat, 2 do
    local s, c, f = contribution(tonumber(flat[i + 1]), nil, fav2)
    deltas[flat[i]] = {s, c, f}
  end
  flat = redis.call('HGETALL', favsKey)
  for i = 1, #flat, 2 do
    if tonumber(flat[i + 1]) % 2 == 1 then
      local d = deltas[flat[i]]
      if d == nil then deltas[flat[i]] = {0, 0, 1} else d[3] = 1 end
    end
  end
  return deltas
end

local function addDeltas(acc, deltas, sign)
  for movie, d in pairs(deltas) do
    local a = acc[movie] or {0, 0, 0}
    a[1], a[2], a[3] = a[1] + sign * d[1], a[2] + sign * d[2], a[3] + sign * d[3]
    acc[movie] = a
  end
end

local function applyDelta(favs, sums, counts, movie, d)
  if d[1] ~= 0 then redis.call('HINCRBY', sums, movie, d[1]) end
  if d[2] ~= 0 and redis.call('HINCRBY', counts, movie, d[2]) <= 0 then
    redis.call('HDEL', counts, movie)
    redis.call('HDEL', sums, movie)
  end
  if d[3] ~= 0 and tonumber(redis.call('ZINCRBY', favs, d[3], movie)) <= 0 then
    redis.call('ZREM', favs, movie)
  end
end

local function lastChange(changes)
  local last = redis.call('XREVRANGE', changes, '+', '-', 'COUNT', 1)[1]
  if last == nil then return 0 end
  return tonumber(string.match(last[1], '%-(%d+)$'))
end

local function recordChanges(changes, movies)
  if #movies == 0 then return end
  redis.call('XADD', changes, 'MAXLEN', '~', ${CHANGES_KEPT}, '0-' .. (lastChange(changes) + 1),
    'm', table.concat(movies, ','))
end

local function applyToCluster(keys, tb, acc)
  local movies = {}
  for movie, d in pairs(acc) do
    applyDelta(keys[tb + 1], keys[tb + 2], keys[tb + 3], movie, d)
    movies[#movies + 1] = movie
  end
  recordChanges(keys[tb + 4], movies)
end

local function applyPending(pending)
  for tb, acc in pairs(pending) do applyToCluster(KEYS, tb, acc) end
end

local function usersClusters(models, users, keysPerUser)
  local index, newest = {}, 0
  for m, model in ipairs(models) do
    index[model.v] = m
    newest = math.max(newest, model.v)
  end
  local clusters, unassigned, provisional = {}, {}, {}
  for m = 1, #models do unassigned[m] = {} end
  for i = 1, users do
    local mine, marks = {}, {}
    local flat = redis.call('HGETALL', KEYS[(i - 1) * keysPerUser + 3])
    for f = 1, #flat, 2 do
      local kind, version = string.match(flat[f], '^([cp]):(%d+)$')
      version = tonumber(version)
      if version then
        if version > newest then return nil end
        local m = index[version]
        if m then
          local value = tonumber(flat[f + 1])
          if kind == 'c' then
            if value >= models[m].k then
              error('cluster ' .. value .. ' is outside model ' .. version)
            end
            mine[m] = value
          else
            marks[m] = value
          end
        end
      end
    end
    for m, model in ipairs(models) do
      if model.v == 0 then
        mine[m] = 0
      elseif mine[m] == nil then
        table.insert(unassigned[m], i)
      end
    end
    clusters[i], provisional[i] = mine, marks
  end
  return clusters, unassigned, provisional
end

local function duePlacements(models, provisional, users, keysPerUser)
  local due = {}
  for m = 1, #models do due[m] = {} end
  for i = 1, users do
    for m, placedAt in pairs(provisional[i]) do
      local rated = redis.call('HLEN', KEYS[(i - 1) * keysPerUser + 1])
      if rated >= math.max(1, 2 * placedAt) then table.insert(due[m], i) end
    end
  end
  return due
end

local function planPlacement(ratings, favs, meta, input, cluster)
  if isGone(ratings, favs, meta) then return {movable = false, moves = false} end
  local raw = redis.call('HGET', meta, 'c:' .. input.v)
  local plan = {current = raw and tonumber(raw) or nil}
  plan.movable = plan.current == nil or redis.call('HEXISTS', meta, 'p:' .. input.v) == 1
  plan.moves = plan.movable and plan.current ~= cluster
  if plan.moves then plan.deltas = userContribution(ratings, favs, input.fav2) end
  if plan.movable then plan.rated = redis.call('HLEN', ratings) end
  return plan
end

local function staleFields(meta, v, keep)
  local kept = {[v] = true}
  for _, k in ipairs(keep) do kept[k] = true end
  local stale = {}
  for _, f in ipairs(redis.call('HKEYS', meta)) do
    local version = tonumber(string.match(f, '^[cpj]:(%d+)$'))
    if version and not kept[version] then table.insert(stale, f) end
  end
  return stale
end

local function writePlacement(meta, input, cluster, plan)
  if plan.moves then redis.call('HSET', meta, 'c:' .. input.v, cluster) end
  if plan.movable then
    if input.provisional then
      redis.call('HSET', meta, 'p:' .. input.v, plan.rated)
    else
      redis.call('HDEL', meta, 'p:' .. input.v)
    end
  end
end

local function planJoin(ratings, favs, meta, input, user)
  local cluster, read = user[1], user[2]
  local raw = redis.call('HGET', meta, 'c:' .. input.v)
  local marked = redis.call('HGET', meta, 'j:' .. input.v)
  local plan = {current = raw and tonumber(raw) or nil, stale = staleFields(meta, input.v, input.keep)}
  if plan.current == nil then
    plan.mark = tonumber(redis.call('HGET', meta, 'v') or '0') == read and 0 or 1
    if isGone(ratings, favs, meta) then
      plan.markOnly = marked == false
    else
      plan.joins = true
      if plan.mark == 1 then plan.deltas = userContribution(ratings, favs, input.fav2) end
    end
  elseif redis.call('HEXISTS', meta, 'p:' .. input.v) == 1 then
    plan.joins = true
    plan.mark = 1
    if plan.current ~= cluster then plan.deltas = userContribution(ratings, favs, input.fav2) end
  end
  plan.due = (plan.mark == 1 or marked == '1') and 1 or 0
  return plan
end

local function writeJoin(meta, v, cluster, plan)
  if plan.joins then
    redis.call('HSET', meta, 'c:' .. v, cluster, 'j:' .. v, plan.mark)
    redis.call('HDEL', meta, 'p:' .. v)
  elseif plan.markOnly and plan.mark == 1 then
    redis.call('HSET', meta, 'j:' .. v, 1)
  end
  if #plan.stale > 0 then redis.call('HDEL', meta, unpack(plan.stale)) end
end

local function planErase(user, profile, deletedAt)
  local plan = {fields = {}}
  for _, f in ipairs(redis.call('HKEYS', user.meta)) do
    if string.match(f, '^[cp]:%d+$') then table.insert(plan.fields, f) end
  end
  plan.changed = #plan.fields > 0
    or redis.call('EXISTS', user.ratings, user.favs, user.hidden, profile) > 0
  -- Up to the latest timestamp stored too: an event stamped later than the deletion (a fast
  -- clock) would otherwise bring the user back when replayed.
  local latest = math.max(deletedAtOf(user.meta), deletedAt)
  for key, scale in pairs({[user.ratings] = 16, [user.favs] = 2, [user.hidden] = 4}) do
    for _, value in ipairs(redis.call('HVALS', key)) do
      latest = math.max(latest, math.floor(tonumber(value) / scale))
    end
  end
  plan.deletedAt = latest
  return plan
end

local function writeErase(user, profile, plan)
  redis.call('DEL', user.ratings, user.favs, user.hidden, profile)
  if #plan.fields > 0 then redis.call('HDEL', user.meta, unpack(plan.fields)) end
  if plan.changed then redis.call('HINCRBY', user.meta, 'v', 1) end
  redis.call('HSET', user.meta, 'deletedAt', fmt(plan.deletedAt))
end
`;
