{{- define "ferry.name" -}}ferry{{- end -}}
{{- define "ferry.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "ferry.labels" -}}
app.kubernetes.io/name: ferry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{/* The operator's permissions, written once; bound cluster-wide or per namespace. */}}
{{- define "ferry.rules" -}}
- apiGroups: ["ferry.dev"]
  resources: [trainingpipelines, trainingruns, modelversions, modeldeployments, driftpolicies]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: ["ferry.dev"]
  resources: [trainingpipelines/status, trainingruns/status, modelversions/status, modeldeployments/status, driftpolicies/status]
  verbs: [get, update, patch]
- apiGroups: ["batch"]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
{{- end -}}
