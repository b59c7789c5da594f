package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; the tests never download a browser.
const chromiumPath = "/usr/bin/chromium"

// chromium starts a fresh headless Chromium for one test and returns a tab
// context; CI must have the browser, a developer machine may skip.
func chromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI installs Debian's chromium package (.ci/run)", chromiumPath)
		}
		t.Skipf("%s is missing; install Debian's chromium package (apt-get install -y chromium) to run browser tests", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

// browse performs browser actions and fails the test, naming the step, on
// the first error.
func browse(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", step, err, url, body)
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// screenshot saves the whole page as PNG in the test's artefact directory
// (never in the repository).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// pageText returns the visible text of the page's main element.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, "read page", chromedp.Text(chromedp.CSS("main")))
}

func wantText(t *testing.T, ctx context.Context, says ...string) {
	t.Helper()
	text := pageText(t, ctx)
	for _, s := range says {
		if !strings.Contains(text, s) {
			t.Fatalf("page does not say %q:\n%s", s, text)
		}
	}
}

// watchConsole collects what the pages write to the browser console;
// the returned func stops watching and fails the test on any uncaught
// script error or Content-Security-Policy violation.
func watchConsole(t *testing.T, ctx context.Context) (check func()) {
	t.Helper()
	watchCtx, stop := context.WithCancel(ctx)
	msgs := chromedp.Console(watchCtx)
	var (
		mu   sync.Mutex // guards bad
		bad  []string
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				bad = append(bad, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() {
		t.Helper()
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("the pages wrote errors to the console:\n%s", strings.Join(bad, "\n"))
		}
	}
}
