{{/* Names and labels, defined once. */}}

{{- define "twinbin.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component: (dict "root" $ "component" "first") */}}
{{- define "twinbin.name" -}}
{{- printf "%s-%s" (include "twinbin.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "twinbin.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "twinbin.labels" -}}
{{ include "twinbin.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* repository@digest when a digest is given, else repository:tag */}}
{{- define "twinbin.image" -}}
{{- if .digest -}}{{ printf "%s@%s" .repository .digest }}{{- else -}}{{ printf "%s:%s" .repository .tag }}{{- end -}}
{{- end -}}

{{/* An image given as "repo:tag" plus an optional digest: (dict "image" "repo:tag" "digest" "") */}}
{{- define "twinbin.pinnedImage" -}}
{{- if .digest -}}{{ printf "%s@%s" (regexReplaceAll ":[^:/]+$" .image "") .digest }}{{- else -}}{{ .image }}{{- end -}}
{{- end -}}

{{- define "twinbin.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "twinbin.name" (dict "root" . "component" "secrets")) -}}
{{- end -}}

{{/* terminationGracePeriodSeconds: preStop pause + SHUTDOWN_GRACE_MS (rounded up) + a margin. */}}
{{- define "twinbin.terminationGraceSeconds" -}}
{{- $s := .Values.shutdown -}}
{{- add $s.preStopSeconds (div (add $s.graceMs 999) 1000) $s.marginSeconds -}}
{{- end -}}

{{/* The restricted pod security context every twinbin pod runs with. */}}
{{- define "twinbin.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "twinbin.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "twinbin.topologySpread" -}}
{{- $labels := include "twinbin.selectorLabels" . | fromYaml -}}
- maxSkew: {{ .root.Values.topologySpread.maxSkew }}
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: {{ .root.Values.topologySpread.whenUnsatisfiable }}
  labelSelector:
    matchLabels: {{- toYaml $labels | nindent 6 }}
- maxSkew: {{ .root.Values.topologySpread.maxSkew }}
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels: {{- toYaml $labels | nindent 6 }}
{{- end -}}

{{- define "twinbin.sqldUrl" -}}
{{- if .Values.sqld.enabled -}}
{{- printf "http://%s:%v" (include "twinbin.name" (dict "root" . "component" "sqld")) .Values.sqld.port -}}
{{- else -}}
{{- required "database.url is required when sqld.enabled is false" .Values.database.url -}}
{{- end -}}
{{- end -}}

{{/* A memory quantity (Mi or Gi) in MiB, for GOMEMLIMIT. */}}
{{- define "twinbin.memoryMiB" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | int) 1024 }}
{{- else if hasSuffix "Mi" $q -}}{{ trimSuffix "Mi" $q | int }}
{{- else -}}{{ fail (printf "memory limit %q: use Mi or Gi" $q) }}
{{- end -}}
{{- end -}}

{{/* Prefer nodes without a replica of the same component (beside the spread constraints, for schedulers and
  checkers that only read affinity). */}}
{{- define "twinbin.antiAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {{- include "twinbin.selectorLabels" . | fromYaml | toYaml | nindent 12 }}
{{- end -}}
