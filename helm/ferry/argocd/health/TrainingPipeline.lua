-- Argo CD health of a Ferry TrainingPipeline (ferry.dev/v1alpha1).
-- Healthy once Ferry accepted the spec (Ready=True), whether a run is active or not: a pipeline
-- that trains for hours must not hold an application in Progressing. Failed runs show on the
-- TrainingRun children, not here.
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
  hs.message = "Waiting for Ferry to observe the pipeline"
  return hs
end
local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for Ferry to validate the pipeline"
elseif ready.status == "True" then
  hs.status = "Healthy"
  local running = condition("Running")
  if running ~= nil and running.status == "True" then
    hs.message = running.message
  elseif obj.status.lastRun ~= nil and obj.status.lastRun.name ~= nil then
    hs.message = "Idle; last run " .. obj.status.lastRun.name .. ": " .. (obj.status.lastRun.result or "unknown")
  else
    hs.message = "Idle"
  end
  if obj.status.nextScheduledRun ~= nil then
    hs.message = hs.message .. "; next scheduled run " .. obj.status.nextScheduledRun
  end
else
  hs.status = "Degraded"
  hs.message = (ready.reason or "NotReady") .. ": " .. (ready.message or "")
end
return hs
