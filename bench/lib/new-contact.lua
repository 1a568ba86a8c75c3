-- wrk: POST /contacts with a fresh email each request. Arguments: the key,
-- then a tag that keeps emails of separate runs apart. Each thread numbers
-- its emails under its own id, given by setup(): a thread's Lua state starts
-- with the same random seed as every other's, so math.random cannot tell
-- them apart (it once did, and half the "new" emails were another thread's).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local n = 0
local tag = ""
function init(args)
  wrk.method = "POST"
  wrk.path = "/contacts"
  wrk.headers["authorization"] = "Bearer " .. args[1]
  wrk.headers["content-type"] = "application/json"
  tag = args[2] .. "-" .. id
end
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"email":"load-' .. tag .. '-' .. n .. '@bench.example.com","data":{"plan":"pro","seats":' .. (n % 50) .. '}}')
end
