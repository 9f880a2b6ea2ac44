-- Actions of a Ferry ModelDeployment. Both set an annotation that Ferry acts on; neither changes
-- the spec, so the application stays in sync with git.
--   approve   promote the candidate awaiting approval (ferry.dev/approve=<candidateVersion>)
--   rollback  return production to the last good version (ferry.dev/rollback=<unique request>)
--   retry     try the most recently rejected version again (ferry.dev/retry=<version>.<request>)
local function condition(t)
  if obj.status ~= nil and obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == t then return c end
    end
  end
  return nil
end

-- Ferry rolls back to the newest history entry it replaced that was not itself rejected.
local function hasPreviousVersion()
  if obj.status == nil or obj.status.productionVersion == nil or obj.status.history == nil then
    return false
  end
  for _, h in ipairs(obj.status.history) do
    if h.outcome == "Replaced" then
      local rejected = false
      if obj.status.rejectedVersions ~= nil then
        for _, v in ipairs(obj.status.rejectedVersions) do
          if v == h.version then rejected = true end
        end
      end
      if not rejected then return true end
    end
  end
  return false
end

local awaiting = condition("AwaitingApproval")
local canApprove = awaiting ~= nil and awaiting.status == "True"
    and obj.status.candidateVersion ~= nil
local canRetry = obj.status ~= nil and obj.status.rejectedVersions ~= nil and #obj.status.rejectedVersions > 0
local actions = {}
actions["approve"] = {["disabled"] = not canApprove, ["iconClass"] = "fa fa-fw fa-check",
  ["displayName"] = "Approve the candidate"}
actions["rollback"] = {["disabled"] = not hasPreviousVersion(), ["iconClass"] = "fa fa-fw fa-undo",
  ["displayName"] = "Roll back production"}
actions["retry"] = {["disabled"] = not canRetry, ["iconClass"] = "fa fa-fw fa-redo",
  ["displayName"] = "Retry the last rejected version"}
return actions
