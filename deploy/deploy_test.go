package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/config"
)

// needTool returns the path of a tool, skipping the test without it
// locally and failing under CI=true, so CI cannot pass by skipping.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found under CI=true (%s)", name, install)
		}
		t.Skipf("%s not found (%s)", name, install)
	}
	return p
}

func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("systemd/tradepipe.service")
	if err != nil {
		t.Fatal(err)
	}
	// systemd has no trailing comments: "X=a # b" sets X to "a # b".
	sc := bufio.NewScanner(bytes.NewReader(unit))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if !strings.HasPrefix(l, "#") && regexp.MustCompile(`\s#`).MatchString(l) {
			t.Errorf("line %d has a trailing comment, which systemd reads as part of the value: %q", n, l)
		}
	}
	for _, want := range []string{"ExecStart=/usr/local/bin/tradepipe run", "EnvironmentFile=-/etc/tradepipe/env", "Environment=TRADEPIPE_CONFIG=/etc/tradepipe/tradepipe.yaml"} {
		if !bytes.Contains(unit, []byte("\n"+want+"\n")) {
			t.Errorf("unit lacks line %q", want)
		}
	}

	analyze := needTool(t, "systemd-analyze", "apt-get install systemd")
	// verify checks that ExecStart is executable: point it at a build of
	// the binary instead of /usr/local/bin.
	dir := t.TempDir()
	bin := filepath.Join(dir, "tradepipe")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/tradepipe").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	unit = bytes.ReplaceAll(unit, []byte("ExecStart=/usr/local/bin/tradepipe"), []byte("ExecStart="+bin))
	path := filepath.Join(dir, "tradepipe.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on directives it ignores; any message is a failure.
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// manifests decodes every document of the YAML files under kubernetes/
// strictly into its API type: an unknown or misplaced field fails.
func manifests(t *testing.T) map[string]any {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	// Applied on purpose only, never with the rest (kubectl apply -f
	// does not descend).
	more, err := filepath.Glob("kubernetes/backfill/*.yaml")
	if err != nil || len(more) == 0 {
		t.Fatalf("no backfill manifests: %v", err)
	}
	files = append(files, more...)
	objs := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var meta struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			var obj any
			switch meta.Kind {
			case "CronJob":
				obj = &batchv1.CronJob{}
			case "Job":
				obj = &batchv1.Job{}
			case "Deployment":
				obj = &appsv1.Deployment{}
			case "Service":
				obj = &corev1.Service{}
			case "Secret":
				obj = &corev1.Secret{}
			case "ConfigMap":
				obj = &corev1.ConfigMap{}
			case "ServiceAccount":
				obj = &corev1.ServiceAccount{}
			default:
				t.Fatalf("%s document %d: kind %q has no check", f, i, meta.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i, meta.Kind, err)
				continue
			}
			// encoding/json matches field names case-insensitively, the
			// API server does not: compare the spelling with the type's.
			var raw, typed any
			back, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(doc), &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(back, &typed); err != nil {
				t.Fatal(err)
			}
			for _, e := range misspelled(raw, typed, "") {
				t.Errorf("%s document %d (%s): %s", f, i, meta.Kind, e)
			}
			objs[meta.Kind+"/"+meta.Metadata.Name] = obj
		}
	}
	return objs
}

// misspelled lists the keys of raw that the typed object spells with other
// letter case (timezone for timeZone), recursively.
func misspelled(raw, typed any, path string) []string {
	var out []string
	switch r := raw.(type) {
	case map[string]any:
		tm, _ := typed.(map[string]any)
		for k, v := range r {
			if tv, ok := tm[k]; ok {
				out = append(out, misspelled(v, tv, path+"."+k)...)
				continue
			}
			for tk := range tm {
				if strings.EqualFold(tk, k) {
					out = append(out, fmt.Sprintf("%s.%s is spelled %s", path, k, tk))
				}
			}
		}
	case []any:
		ts, _ := typed.([]any)
		for i, v := range r {
			if i < len(ts) {
				out = append(out, misspelled(v, ts[i], fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	objs := manifests(t)
	get := func(key string) any {
		o, ok := objs[key]
		if !ok {
			t.Fatalf("no %s in deploy/kubernetes", key)
		}
		return o
	}
	secret := get("Secret/tradepipe").(*corev1.Secret)
	if _, ok := secret.StringData["TRADEPIPE_TOKEN"]; !ok {
		t.Error("Secret tradepipe has no TRADEPIPE_TOKEN")
	}
	cm := get("ConfigMap/tradepipe").(*corev1.ConfigMap)
	get("ServiceAccount/tradepipe")

	// The config in the ConfigMap is one tradepipe accepts.
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "tradepipe.yaml")
	if err := os.WriteFile(cfgPath, []byte(cm.Data["tradepipe.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("the ConfigMap's tradepipe.yaml: %v", err)
	}

	cron := get("CronJob/tradepipe-once").(*batchv1.CronJob)
	if cron.Spec.TimeZone == nil || *cron.Spec.TimeZone == "" {
		t.Error("CronJob has no timeZone: its schedule would follow the controller's zone")
	}
	if cron.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("CronJob concurrencyPolicy = %q, want Forbid", cron.Spec.ConcurrencyPolicy)
	}
	dep := get("Deployment/tradepipe").(*appsv1.Deployment)
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 || dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Error("Deployment must run one replica with the Recreate strategy (one scheduler)")
	}
	if g := dep.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g <= int64(time.Duration(cfg.Server.ShutdownGrace).Seconds()) {
		t.Errorf("terminationGracePeriodSeconds must exceed server.shutdown_grace (%s)", time.Duration(cfg.Server.ShutdownGrace))
	}
	svc := get("Service/tradepipe").(*corev1.Service)
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the Deployment's pods", k, v)
		}
	}

	bf := get("Job/tradepipe-backfill-census-2010s").(*batchv1.Job)
	checkBackfillJob(t, bf, cfg)
	for name, pod := range map[string]corev1.PodSpec{"CronJob": cron.Spec.JobTemplate.Spec.Template.Spec, "Deployment": dep.Spec.Template.Spec, "Job": bf.Spec.Template.Spec} {
		checkPod(t, name, pod)
		if c := pod.Containers[0]; c.Image != dep.Spec.Template.Spec.Containers[0].Image {
			t.Errorf("%s: image %s, the Deployment's is %s: one image for all", name, c.Image, dep.Spec.Template.Spec.Containers[0].Image)
		}
	}
}

func deref(p *int32) string {
	if p == nil {
		return "unset"
	}
	return strconv.Itoa(int(*p))
}

// checkBackfillJob checks the Indexed Job of a sharded backfill: one pod
// per shard, as many shards as completions, each index retried on its own,
// a usage error not retried, and a backfill the config can run.
func checkBackfillJob(t *testing.T, job *batchv1.Job, cfg *config.Config) {
	t.Helper()
	sp := job.Spec
	if sp.CompletionMode == nil || *sp.CompletionMode != batchv1.IndexedCompletion {
		t.Error("backfill Job: completionMode must be Indexed: each pod's JOB_COMPLETION_INDEX is its shard")
	}
	if sp.Completions == nil || sp.Parallelism == nil || *sp.Completions != *sp.Parallelism || *sp.Completions < 2 {
		t.Errorf("backfill Job: completions %s and parallelism %s must be equal (one pod per shard, all at once)", deref(sp.Completions), deref(sp.Parallelism))
	}
	if sp.BackoffLimitPerIndex == nil || *sp.BackoffLimitPerIndex < 1 {
		t.Error("backfill Job: backoffLimitPerIndex must be set: a failed shard is retried alone, the others keep their pods")
	}
	if sp.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("backfill Job: restartPolicy must be Never (backoffLimitPerIndex and podFailurePolicy need it)")
	}
	usageFails := false
	if sp.PodFailurePolicy != nil {
		for _, r := range sp.PodFailurePolicy.Rules {
			if r.Action == batchv1.PodFailurePolicyActionFailIndex && r.OnExitCodes != nil &&
				r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && slices.Contains(r.OnExitCodes.Values, 2) {
				usageFails = true
			}
		}
	}
	if !usageFails {
		t.Error("backfill Job: a podFailurePolicy rule must FailIndex on exit code 2 (usage or config error: a retry cannot fix it)")
	}
	c := sp.Template.Spec.Containers[0]
	args := c.Args
	flag := func(name string) string {
		i := slices.Index(args, name)
		if i < 0 || i+1 >= len(args) {
			t.Errorf("backfill Job: args %q have no %s", args, name)
			return ""
		}
		return args[i+1]
	}
	if len(args) < 2 || args[0] != "backfill" {
		t.Fatalf("backfill Job: args %q do not run backfill JOB", args)
	}
	if j := cfg.Jobs.Get(args[1]); j == nil || j.Source != "census" && j.Source != "gacc" {
		t.Errorf("backfill Job: job %q is not a live job of the ConfigMap's config", args[1])
	}
	from, err1 := civil.ParseMonth(flag("--from"))
	to, err2 := civil.ParseMonth(flag("--to"))
	if err1 != nil || err2 != nil || to.Before(from) {
		t.Errorf("backfill Job: --from/--to is not a range of months: %v %v", err1, err2)
	}
	if n, err := strconv.Atoi(flag("--shards")); err != nil || sp.Completions == nil || int32(n) != *sp.Completions {
		t.Errorf("backfill Job: --shards %q must equal completions %s: shard I of N is the pod of index I", flag("--shards"), deref(sp.Completions))
	}
	// The Job's name names the backfill, so a restarted pod continues
	// its shard and a new Job starts afresh.
	if flag("--name") != "$(JOB_NAME)" {
		t.Errorf("backfill Job: --name %q, want $(JOB_NAME)", flag("--name"))
	}
	named := false
	for _, e := range c.Env {
		if e.Name == "JOB_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.labels['batch.kubernetes.io/job-name']" {
			named = true
		}
		if e.Name == "JOB_COMPLETION_INDEX" {
			t.Error("backfill Job: JOB_COMPLETION_INDEX is set by Kubernetes for Indexed Jobs; setting it would give every pod one shard")
		}
	}
	if !named {
		t.Error("backfill Job: JOB_NAME must come from the pod's batch.kubernetes.io/job-name label")
	}
}

// checkPod checks what the pods need to run as shipped: a non-root,
// locked-down container with bounded resources, the token from the Secret,
// the config from the ConfigMap and a writable spool for the read-only root.
func checkPod(t *testing.T, name string, pod corev1.PodSpec) {
	t.Helper()
	if pod.ServiceAccountName != "tradepipe" {
		t.Errorf("%s: serviceAccountName = %q", name, pod.ServiceAccountName)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext must run as a non-root user with the RuntimeDefault seccomp profile", name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", name, len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("%s: container securityContext must forbid privilege escalation, drop ALL capabilities and mount the root read-only", name)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("%s: no %s request", name, r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("%s: no %s limit", name, r)
		}
	}
	if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
		t.Errorf("%s: image %q has no pinned tag", name, c.Image)
	}
	fromSecret := false
	for _, e := range c.EnvFrom {
		if e.SecretRef != nil && e.SecretRef.Name == "tradepipe" {
			fromSecret = true
		}
	}
	if !fromSecret {
		t.Errorf("%s: the token does not come from Secret tradepipe", name)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	if v, ok := vols["config"]; !ok || v.ConfigMap == nil || v.ConfigMap.Name != "tradepipe" || mounts["config"] != "/etc/tradepipe" {
		t.Errorf("%s: ConfigMap tradepipe must be mounted at /etc/tradepipe", name)
	}
	if v, ok := vols["spool"]; !ok || v.EmptyDir == nil || mounts["spool"] != "/spool" {
		t.Errorf("%s: the read-only root needs an emptyDir at /spool (spool_dir)", name)
	}
	if !strings.Contains(strings.Join(c.Args, " "), "--config /etc/tradepipe/tradepipe.yaml") {
		t.Errorf("%s: args %q do not name the mounted config", name, c.Args)
	}
}

// TestDockerfile checks the Dockerfile statically (docker cannot run in
// CI): fully qualified, pinned base images; the version stamped into the
// binary; a static binary; a non-root user.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, so one instruction is one line.
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	var froms, runs []string
	args := map[string]bool{}
	user := ""
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "RUN":
			runs = append(runs, l)
		case "ARG":
			name, _, _ := strings.Cut(f[1], "=")
			args[name] = true
		case "USER":
			user = f[1]
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a build and a runtime stage, got FROM %v", froms)
	}
	// registry host (has a dot or a port) / repository : tag
	qualified := regexp.MustCompile(`^[a-z0-9.-]+\.[a-z]+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+$`)
	for _, img := range froms {
		if !qualified.MatchString(img) || strings.HasSuffix(img, ":latest") {
			t.Errorf("FROM %s: not a fully qualified, pinned image (registry/repository:tag)", img)
		}
	}
	if !args["VERSION"] {
		t.Error("no ARG VERSION")
	}
	const pkg = "github.com/tradepipe/tradepipe/internal/buildinfo"
	stamped := false
	for _, r := range runs {
		if strings.Contains(r, "go build") {
			stamped = strings.Contains(r, "-X "+pkg+".version=${VERSION}")
			// One place holds the version: a second -X target (the old
			// main.version) could say something else.
			if n := strings.Count(r, "-X "); n != strings.Count(r, "-X "+pkg+".") {
				t.Errorf("go build stamps %d variables, not all in %s: %s", n, pkg, r)
			}
			if !strings.Contains(r, "CGO_ENABLED=0") {
				t.Error("go build is not static (CGO_ENABLED=0): distroless/static has no libc")
			}
		}
	}
	if !stamped {
		t.Error("the go build does not stamp ${VERSION} into " + pkg + ".version")
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("USER %q: the image must run as a non-root user", user)
	}
	// The variable must exist for -X to stamp anything: the linker
	// silently ignores an -X of a name that is not there.
	src, err := os.ReadFile("../internal/buildinfo/buildinfo.go")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^var version, commit string$`).Match(src) {
		t.Error("internal/buildinfo has no package-level version and commit for -X")
	}
}
