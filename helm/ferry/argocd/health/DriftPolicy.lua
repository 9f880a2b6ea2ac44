-- Argo CD health of a Ferry DriftPolicy (ferry.dev/v1alpha1).
--   Degraded     drift detected at the last check (DriftDetected=True), the last check failed
--                or its data failed a data-quality gate (DriftDetected=Unknown), or the spec is invalid
--   Progressing  no baseline yet (the ModelDeployment serves nothing) or not yet observed
--   Healthy      scheduled, and the last check (if any) found no drift
local function condition(t)
  if obj.status ~= nil and obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == t then return c end
    end
  end
  return nil
end

local hs = {}
local generation = obj.metadata.generation
if obj.status == nil or obj.status.observedGeneration == nil
    or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for Ferry to observe the policy"
  return hs
end
local ready = condition("Ready")
local drift = condition("DriftDetected")
if ready ~= nil and ready.status == "False" then
  if ready.reason == "NoBaseline" then
    hs.status = "Progressing"
  else
    hs.status = "Degraded"
  end
  hs.message = (ready.reason or "NotReady") .. ": " .. (ready.message or "")
elseif drift ~= nil and drift.status == "True" then
  hs.status = "Degraded"
  hs.message = "Drift detected: " .. (drift.message or "")
elseif drift ~= nil and drift.status == "Unknown" and drift.reason == "DataQualityFailed" then
  hs.status = "Degraded"
  hs.message = "Data quality failed at the last check: " .. (drift.message or "")
elseif drift ~= nil and drift.status == "Unknown" then
  hs.status = "Degraded"
  hs.message = "The last drift check failed: " .. (drift.message or "")
elseif ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Ferry to schedule the checks"
else
  hs.status = "Healthy"
  if drift ~= nil then
    hs.message = "No drift at the last check: " .. (drift.message or "")
  else
    hs.message = ready.message or "Scheduled"
  end
  if obj.status.nextCheck ~= nil then
    hs.message = hs.message .. "; next check " .. obj.status.nextCheck
  end
end
return hs
