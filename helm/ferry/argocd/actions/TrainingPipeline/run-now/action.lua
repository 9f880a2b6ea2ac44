-- Starts a run of this pipeline now, as `kubectl create -f examples/training-run-manual.yaml`
-- would: Ferry does not start runs from an annotation, so the action creates the TrainingRun
-- itself (Argo CD 2.8+ actions may create resources; the AppProject must allow
-- ferry.dev/TrainingRun). The owner reference makes the run a child of the pipeline in the
-- application tree and gets it deleted with the pipeline; Ferry would add it anyway.
local os = require("os")
local base = obj.metadata.name
if string.len(base) > 40 then
  base = string.gsub(string.sub(base, 1, 40), "-+$", "")
end
local run = {}
run.apiVersion = "ferry.dev/v1alpha1"
run.kind = "TrainingRun"
run.metadata = {}
run.metadata.name = base .. "-argocd-" .. os.date("!%Y%m%d%H%M%S")
run.metadata.namespace = obj.metadata.namespace
run.metadata.labels = {}
run.metadata.labels["ferry.dev/pipeline"] = obj.metadata.name
local owner = {}
owner.apiVersion = obj.apiVersion
owner.kind = obj.kind
owner.name = obj.metadata.name
owner.uid = obj.metadata.uid
run.metadata.ownerReferences = {owner}
run.spec = {}
run.spec.pipeline = obj.metadata.name
run.spec.trigger = {}
run.spec.trigger.kind = "Manual"
run.spec.trigger.source = "argocd"
run.spec.trigger.reason = "run now from Argo CD"

local created = {}
created.operation = "create"
created.resource = run
return {created}
