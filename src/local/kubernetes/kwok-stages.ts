// How kwok moves the local fleet's pods through their lifecycle, with no container runtime.
// A pod is scheduled, then after about a second its containers run and it is Ready, as a
// healthy image would be. By convention, a pod with a container whose image tag ends in
// `-crashloop` never becomes Ready: its containers keep exiting with code 1 and restarting
// (CrashLoopBackOff, restartCount rising every two seconds), as a broken image would. A deleted
// pod goes away at once (there is no kubelet to confirm it). Nodes use kwok's default stages.
// kwok selects with jq expressions and fills status with Go templates (sprig functions).

/** The image-tag suffix whose pods crash-loop. */
export const CRASHLOOP_SUFFIX = '-crashloop';

const CRASHLOOPING = `.spec.containers.[] | select( .image | endswith("${CRASHLOOP_SUFFIX}") ) | .name`;

const podIdentity = `
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ or .status.startTime $now | Quote }}`;

const podReady = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'
    - key: '${CRASHLOOPING}'
      operator: 'DoesNotExist'
  delay:
    durationMilliseconds: 800
    jitterDurationMilliseconds: 1200
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}${podIdentity}
`;

// Applied again after every change it makes, so the restarts keep counting while the pod lives.
const podCrashloop = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-crashloop
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '${CRASHLOOPING}'
      operator: 'Exists'
  delay:
    durationMilliseconds: 2000
  next:
    event:
      type: Warning
      reason: BackOff
      message: Back-off restarting failed container
    statusTemplate: |
      {{ $now := Now }}
      {{ $statuses := or .status.containerStatuses list }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: ContainersReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      containerStatuses:
      {{ range $item := .spec.containers }}
      {{ $restarts := 0 }}
      {{ range $statuses }}{{ if eq .name $item.name }}{{ $restarts = add1 ( or .restartCount 0 ) }}{{ end }}{{ end }}
      {{ if hasSuffix "${CRASHLOOP_SUFFIX}" $item.image }}
      - image: {{ $item.image | Quote }}
        name: {{ $item.name | Quote }}
        ready: false
        started: false
        restartCount: {{ $restarts }}
        lastState:
          terminated:
            exitCode: 1
            reason: Error
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
        state:
          waiting:
            reason: CrashLoopBackOff
            message: back-off restarting failed container {{ $item.name }}
      {{ else }}
      - image: {{ $item.image | Quote }}
        name: {{ $item.name | Quote }}
        ready: true
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ end }}${podIdentity}
`;

const podDelete = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`;

/** The stages file kwok is started with (`--config`). */
export function kwokStages(): string {
  return [podReady, podCrashloop, podDelete].join('---\n');
}
