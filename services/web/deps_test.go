package web

import (
	"os/exec"
	"strings"
	"testing"
)

// Web renders what the services answer: it reads no content of its own (skills, tracks,
// onboarding templates). The catalogue and the templates have one reader each, their
// service, so nothing web shows can drift from what the services decide.
func TestWebImportsNoContent(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "onramp.dev/services/web").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || !strings.Contains(string(out), "onramp.dev/events") {
		t.Fatalf("go list -deps listed nothing useful:\n%s", out)
	}
	for _, d := range deps {
		if d == "onramp.dev/content" || strings.HasPrefix(d, "onramp.dev/content/") {
			t.Errorf("services/web depends on %s", d)
		}
	}
}
