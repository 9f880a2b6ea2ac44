-- Approves the candidate that passed staging: Ferry promotes it when ferry.dev/approve names
-- exactly status.candidateVersion, so an approval never carries over to a later candidate.
if obj.status == nil or obj.status.candidateVersion == nil then
  error("no candidate awaits approval")
end
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["ferry.dev/approve"] = string.format("%d", obj.status.candidateVersion)
return obj
