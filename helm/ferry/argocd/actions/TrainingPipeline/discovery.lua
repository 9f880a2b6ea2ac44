-- Actions of a Ferry TrainingPipeline.
--   run-now  start a TrainingRun of this pipeline now (creates a TrainingRun; Argo CD 2.8 or later)
local invalid = false
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" and c.status == "False" and c.reason == "InvalidSpec" then invalid = true end
  end
end
local actions = {}
actions["run-now"] = {["disabled"] = invalid, ["iconClass"] = "fa fa-fw fa-play",
  ["displayName"] = "Run now"}
return actions
