-- Requests an immediate drift check: Ferry starts one Job per new value of ferry.dev/check-now
-- (it remembers the last one in status.handledCheckNow), so the value is a fresh request id.
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["ferry.dev/check-now"] = "argocd-" .. os.date("!%Y%m%dt%H%M%Sz")
return obj
