-- The mixed run of bench/pages.py: 70 % guest reads, 20 % signed-in reads, 10 % replies.
-- Its settings (paths, residents' cookies and tokens, reply threads) come from the Lua file
-- named after "--" on wrk's command line, written by bench/pages.py.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local function letters(n)
  local out = ""
  repeat
    out = out .. string.char(97 + n % 26)
    n = math.floor(n / 26)
  until n == 0
  return out
end

function init(args)
  dofile(args[1])
  math.randomseed(os.time() * 100 + id)
  counter = 0
  hits, misses, guest_reads, member_reads, replies = 0, 0, 0, 0, 0
end

function request()
  counter = counter + 1
  local r = math.random()
  if r < 0.7 then
    guest_reads = guest_reads + 1
    return wrk.format("GET", read_paths[math.random(#read_paths)], {})
  end
  local who = residents[math.random(#residents)]
  if r < 0.9 then
    member_reads = member_reads + 1
    return wrk.format("GET", read_paths[math.random(#read_paths)], { Cookie = who.cookie })
  end
  replies = replies + 1
  local target = reply_threads[math.random(#reply_threads)]
  local body = "csrf_token=" .. who.token .. "&accept_rules=y&submit=1&body=" .. marker
    .. "-" .. letters(id) .. "-" .. letters(counter) .. "-" .. letters(math.random(1, 1000000))
  return wrk.format("POST", "/threads/" .. target .. "/reply",
    { Cookie = who.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  local cached = headers["X-Page-Cache"]
  if cached == "hit" then
    hits = hits + 1
  elseif cached == "miss" then
    misses = misses + 1
  end
end

function done(summary, latency, requests)
  local totals = { hits = 0, misses = 0, guest_reads = 0, member_reads = 0, replies = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  io.write(string.format("MIXED hits=%d misses=%d guest_reads=%d member_reads=%d replies=%d\n",
    totals.hits, totals.misses, totals.guest_reads, totals.member_reads, totals.replies))
end
