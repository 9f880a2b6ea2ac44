-- Argo CD health of a Ferry ModelVersion (ferry.dev/v1alpha1), from its Validated condition:
-- True is Healthy (the stage says where it serves), False is Degraded (a gate failed or the spec
-- is invalid), not yet decided is Progressing.
local function condition(t)
  if obj.status ~= nil and obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == t then return c end
    end
  end
  return nil
end

local hs = {}
local validated = condition("Validated")
local generation = obj.metadata.generation
if validated == nil or validated.status == "Unknown" or obj.status.observedGeneration == nil
    or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for Ferry to check the validation gates"
elseif validated.status == "True" then
  hs.status = "Healthy"
  hs.message = "Validated; stage " .. (obj.status.stage or "None")
  if obj.status.rejectedReason ~= nil then
    hs.message = hs.message .. "; rejected in serving: " .. obj.status.rejectedReason
  end
else
  hs.status = "Degraded"
  hs.message = (validated.reason or "NotValidated") .. ": " .. (validated.message or "")
end
return hs
