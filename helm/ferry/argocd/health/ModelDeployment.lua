-- Argo CD health of a Ferry ModelDeployment (ferry.dev/v1alpha1).
--   Suspended    a candidate passed staging and waits for approval (AwaitingApproval=True):
--                the "approve" action (or kubectl annotate ... ferry.dev/approve=N) resumes it
--   Degraded     invalid spec, a pin to a rolled-back or missing version, a rollback this pass, the
--                production ModelVersion deleted (Degraded=True; its pods keep serving), or an
--                HTTPRoute Ferry could not write (Routed=False, RouteNotWritten)
--   Progressing  staging, smoke test, shadow, canary, promotion, a rollback scaling up a version that
--                was not warm (RollingBack), or waiting for a first validated version
--   Healthy      Stable, production serving with all replicas ready
-- With spec.traffic the message ends with who gets the requests: [requests: v3 99%, v4 1%; mirror 20% to v4]
local function condition(t)
  if obj.status ~= nil and obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == t then return c end
    end
  end
  return nil
end

local function text(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  return fallback
end

-- "[requests: v3 99%, v4 1%; mirror 20% to v4]" in GatewayAPI mode, "" otherwise.
local function split()
  local t = obj.status.traffic
  if t == nil or t.mode ~= "GatewayAPI" or t.backends == nil then return "" end
  local parts = {}
  for _, b in ipairs(t.backends) do
    table.insert(parts, "v" .. tostring(b.version) .. " " .. tostring(b.weight) .. "%")
  end
  local out = " [requests: " .. table.concat(parts, ", ")
  if t.mirrorVersion ~= nil and t.mirrorPercent ~= nil then
    out = out .. "; mirror " .. tostring(t.mirrorPercent) .. "% to v" .. tostring(t.mirrorVersion)
  end
  return out .. "]"
end

local hs = {}
local generation = obj.metadata.generation
if obj.status == nil or obj.status.observedGeneration == nil
    or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for Ferry to observe the deployment"
  return hs
end
local phase = obj.status.phase
local ready = condition("Ready")
local progressing = condition("Progressing")
local awaiting = condition("AwaitingApproval")
local rolledBack = condition("RolledBack")
local degraded = condition("Degraded")
local routed = condition("Routed")

if ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec" then
  hs.status = "Degraded"
  hs.message = "InvalidSpec: " .. text(ready, "")
elseif degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.reason .. ": " .. text(degraded, "")
elseif routed ~= nil and routed.status == "False" and routed.reason == "RouteNotWritten" then
  hs.status = "Degraded"
  hs.message = "RouteNotWritten: " .. text(routed, "")
elseif progressing ~= nil and progressing.status == "False"
    and (progressing.reason == "PinnedVersionRejected" or progressing.reason == "VersionNotFound") then
  hs.status = "Degraded"
  hs.message = progressing.reason .. ": " .. text(progressing, "")
elseif (awaiting ~= nil and awaiting.status == "True") or phase == "AwaitingApproval" then
  hs.status = "Suspended"
  hs.message = text(awaiting, "Candidate v" .. tostring(obj.status.candidateVersion) .. " awaits approval")
elseif phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = "RolledBack: " .. text(rolledBack, "the candidate was rolled back")
elseif phase == "Stable" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    hs.message = text(ready, "Stable") .. split()
    if rolledBack ~= nil and rolledBack.status == "True" then
      hs.message = hs.message .. " (last rollback: " .. text(rolledBack, "") .. ")"
    end
  else
    hs.status = "Progressing"
    hs.message = text(ready, "Waiting for production replicas")
  end
elseif phase == "Waiting" then
  hs.status = "Progressing"
  hs.message = "Waiting: " .. text(ready, "no validated ModelVersion yet")
elseif phase == "Staging" or phase == "SmokeTesting" or phase == "Shadow" or phase == "Canary"
    or phase == "Promoting" or phase == "RollingBack" then
  hs.status = "Progressing"
  hs.message = phase .. ": " .. text(progressing, "in progress") .. split()
else
  hs.status = "Progressing"
  hs.message = text(progressing, "Phase " .. tostring(phase))
end
return hs
