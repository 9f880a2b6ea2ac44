-- Actions of a Ferry DriftPolicy.
--   check-now  run a drift check at once, outside the schedule (ferry.dev/check-now=<unique request>)
local invalid = false
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" and c.status == "False" and c.reason == "InvalidSpec" then invalid = true end
  end
end
local actions = {}
actions["check-now"] = {["disabled"] = invalid, ["iconClass"] = "fa fa-fw fa-search",
  ["displayName"] = "Check for drift now"}
return actions
