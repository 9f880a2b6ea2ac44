-- Argo CD health of a Ferry TrainingRun (ferry.dev/v1alpha1), from status.phase:
-- Pending and Running are Progressing, Succeeded is Healthy, Failed is Degraded.
local function condition(t)
  if obj.status ~= nil and obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == t then return c end
    end
  end
  return nil
end

local hs = {}
local phase = nil
if obj.status ~= nil then phase = obj.status.phase end
if phase == nil or phase == "Pending" then
  hs.status = "Progressing"
  local ready = condition("Ready")
  if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
    hs.message = "Pending: " .. ready.message
  else
    hs.message = "Pending"
  end
elseif phase == "Running" then
  hs.status = "Progressing"
  if obj.status.currentStep ~= nil then
    hs.message = "Running step " .. obj.status.currentStep
  else
    hs.message = "Running"
  end
elseif phase == "Succeeded" then
  hs.status = "Healthy"
  if obj.status.modelVersion ~= nil then
    hs.message = "Succeeded: registered ModelVersion " .. obj.status.modelVersion
  else
    hs.message = "Succeeded"
  end
elseif phase == "Failed" then
  hs.status = "Degraded"
  local succeeded = condition("Succeeded")
  if succeeded ~= nil and succeeded.message ~= nil and succeeded.message ~= "" then
    hs.message = (succeeded.reason or "Failed") .. ": " .. succeeded.message
  else
    hs.message = "Failed"
  end
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
