-- Requests a rollback: Ferry acts once per new value of ferry.dev/rollback, so the value is a
-- fresh request id (UTC time to the second, as Argo CD's own CronJob create-job does).
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["ferry.dev/rollback"] = "argocd-" .. os.date("!%Y%m%dt%H%M%Sz")
return obj
