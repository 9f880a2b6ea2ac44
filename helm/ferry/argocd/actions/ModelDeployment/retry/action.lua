-- Tries the most recently rejected version again: Ferry makes it the candidate once per new value
-- of ferry.dev/retry, so the value is the version, a dot, and a fresh request id (UTC time).
local os = require("os")
if obj.status == nil or obj.status.rejectedVersions == nil or #obj.status.rejectedVersions == 0 then
  error("no version was rejected here")
end
local version = obj.status.rejectedVersions[#obj.status.rejectedVersions]
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["ferry.dev/retry"] = string.format("%d", version) .. ".argocd-" .. os.date("!%Y%m%dt%H%M%Sz")
return obj
