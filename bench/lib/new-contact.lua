-- wrk: POST /contacts with a fresh email each request. Arguments: the key,
-- then a tag that keeps emails of separate runs apart.
local n = 0
local tag = ""
function init(args)
  wrk.method = "POST"
  wrk.path = "/contacts"
  wrk.headers["authorization"] = "Bearer " .. args[1]
  wrk.headers["content-type"] = "application/json"
  tag = args[2] .. "-" .. tostring(math.random(1, 1000000000))
end
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"email":"load-' .. tag .. '-' .. n .. '@bench.example.com","data":{"plan":"pro","seats":' .. (n % 50) .. '}}')
end
