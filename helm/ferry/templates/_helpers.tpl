{{/*
Names. One release is one operator; the release name keeps two releases (one per team, each
watching its own namespaces) from sharing a ClusterRole, Role or Lease.
*/}}
{{- define "ferry.fullname" -}}
{{- if contains "ferry" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-ferry" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: ferry
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ferry.labels" -}}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: ferry
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "ferry.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if hasPrefix "sha256:" $tag -}}
{{ .Values.image.repository }}@{{ $tag }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{/* The image of Ferry's Jobs (env FERRY_IMAGE): the operator's own unless jobImage says otherwise. */}}
{{- define "ferry.jobImage" -}}
{{- .Values.jobImage | default (include "ferry.image" .) -}}
{{- end -}}

{{- define "ferry.leaseName" -}}
{{- .Values.leaderElection.leaseName | default (printf "%s-leader" (include "ferry.fullname" .)) -}}
{{- end -}}

{{- define "ferry.leaseNamespace" -}}
{{- .Values.leaderElection.leaseNamespace | default .Release.Namespace -}}
{{- end -}}

{{/*
The operator's permissions in the namespaces it watches, written once: bound by a ClusterRole
when watchNamespaces is empty, by a Role in each watched namespace otherwise. Every verb is one
the code uses (operator/src/main/java, checked by RbacRulesTest against a golden file). Facts
behind the verbs:
- JOSDK informers (each reconciler's primary kind and its InformerEventSources) list and watch.
- Fabric8's edit(...) reads the object (get) and sends a JSON patch (patch); editStatus(...)
  does the same on /status.
- Status is written with updateStatus (a PUT on /status: update), never on the main resource.
- Setting blockOwnerDeletion on a child's ownerReference needs update on the owner's
  /finalizers subresource where the OwnerReferencesPermissionEnforcement admission plugin is
  on (OpenShift and many hardened clusters).
- Children are deleted by the garbage collector through ownerReferences, not by Ferry, except
  where a delete verb says so.
*/}}
{{- define "ferry.rules" -}}
{{- /* Reconciled by their controllers (informers); get for direct reads such as edit's. */}}
- apiGroups: [ferry.dev]
  resources: [trainingpipelines, modeldeployments, modelversions, trainingruns, driftpolicies]
  verbs: [get, list, watch]
{{- /* TrainingPipelineReconciler starts runs (schedule, new data) and deletes old ones (runHistoryLimit,
   concurrencyPolicy Replace); TrainingRunReconciler adopts runs created by hand (edit: ownerReference);
   DriftPolicyReconciler starts retraining runs. */}}
- apiGroups: [ferry.dev]
  resources: [trainingruns]
  verbs: [create, patch, delete]
{{- /* A successful run registers its ModelVersion. */}}
- apiGroups: [ferry.dev]
  resources: [modelversions]
  verbs: [create]
{{- /* DriftPolicyReconciler's rollback action sets the ferry.dev/rollback annotation (edit). */}}
- apiGroups: [ferry.dev]
  resources: [modeldeployments]
  verbs: [patch]
{{- /* Every reconciler writes its kind's status (StatusWriter: updateStatus). */}}
- apiGroups: [ferry.dev]
  resources: [trainingpipelines/status, modeldeployments/status, modelversions/status, trainingruns/status, driftpolicies/status]
  verbs: [update]
{{- /* Owners of children whose ownerReference has blockOwnerDeletion: runs (pipeline), step Jobs (run),
   Deployments, Services and smoke-test Jobs (ModelDeployment), drift CronJob and check Jobs (DriftPolicy).
   ModelVersions own nothing. */}}
- apiGroups: [ferry.dev]
  resources: [trainingpipelines/finalizers, modeldeployments/finalizers, trainingruns/finalizers, driftpolicies/finalizers]
  verbs: [update]
{{- /* Step Jobs, smoke-test Jobs and drift check-now Jobs: created, watched (three informers). A smoke-test
   Job whose desired state changed before it ran to the end is deleted and created again (a Job's
   template cannot be updated); the rest go with their owner. */}}
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
{{- /* The drift-check CronJob of each DriftPolicy: read by name, created, its schedule and job template edited.
   No informer, so no list or watch. */}}
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [get, create, patch]
{{- /* Model servers: one Deployment per served version, updated (with its resourceVersion) to exactly the
   desired state when that changes (ChildApplier); a retired version's Deployment deleted. */}}
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, delete]
{{- /* Production and staging Services of a ModelDeployment; updated when their selector (promotion,
   rollback) or port changes. With spec.traffic, one Service per running version (the HTTPRoute's
   backends), deleted when its version stops running. The headless Service of a distributed step's
   workers (created once, owned by its TrainingRun, deleted by the garbage collector). */}}
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, update, delete]
{{- /* spec.autoscaling: one HorizontalPodAutoscaler per production-track Deployment (informer), its
   bounds updated per rollout step, deleted when its version leaves production. */}}
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, update, delete]
{{- /* spec.traffic: the HTTPRoute a ModelDeployment owns is read by name (no informer: the kind may not be
   installed), created, updated and deleted when spec.traffic goes; a route it manages (spec.traffic.httpRoute)
   only gets its rules patched. Discovery of the Gateway API needs no rule. */}}
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, create, update, patch, delete]
{{- /* A finished step's, smoke test's or drift check's result is its pod's termination message
   (listed by label). No logs, no exec. */}}
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
{{- /* EventRecorder: Events on Ferry's objects (kubectl describe). Names are deterministic, so a repeat is a
   409, never an update. */}}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/*
WebhookNotifier reads the webhook URL from the Secret a DriftPolicy names
(spec.actions.notify[].webhook.urlSecretRef). Only get: Ferry never lists, watches or writes
Secrets, and only in the namespaces of rbac.secretNamespaces (by default its own), never in every
namespace. rbac.secretNames narrows it to named Secrets.
*/}}
{{- define "ferry.secretRules" -}}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- with .Values.rbac.secretNames }}
  resourceNames: {{ toJson . }}
{{- end }}
{{- end -}}

{{/*
Leader election (JOSDK on Fabric8's LeaseLock): the Lease is read (get), created once (create)
and renewed with a JSON merge patch (patch). JOSDK also checks at start-up, by a
SelfSubjectRulesReview, that create, update and get are allowed, and refuses to start without
update, though it never sends one. create cannot be limited to a name (the object does not
exist yet); the others can.
*/}}
{{- define "ferry.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [{{ include "ferry.leaseName" . | quote }}]
  verbs: [get, update, patch]
{{- end -}}

{{/* Fails the render with a message a person can act on, for what the schema cannot express. */}}
{{- define "ferry.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "replicas is %d but leaderElection.enabled is false: several active operators would act on the same objects twice; set leaderElection.enabled=true or replicas=1" (int .Values.replicas)) -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled: the ServiceMonitor selects the metrics Service" -}}
{{- end -}}
{{- $own := list "FERRY_WATCH_NAMESPACES" "FERRY_IMAGE" "FERRY_LEADER_ELECTION" "FERRY_LEASE_NAME" "FERRY_LEASE_NAMESPACE" "FERRY_METRICS_PORT" "FERRY_LOG_FORMAT" "FERRY_LOG_LEVEL" "POD_NAME" "POD_NAMESPACE" -}}
{{- range .Values.extraEnv -}}
{{- if has .name $own -}}
{{- fail (printf "extraEnv sets %s, which the chart sets from its values; change the value instead (see values.yaml)" .name) -}}
{{- end -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.watchNamespaces -}}
{{- if hasKey $seen . -}}
{{- fail (printf "watchNamespaces lists %s twice" .) -}}
{{- end -}}
{{- $_ := set $seen . true -}}
{{- end -}}
{{- end -}}
