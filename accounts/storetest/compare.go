package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// noErr stops the test when err is not nil.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr reports a failure unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("got error %v, want %v", err, target)
	}
}

// same reports every difference between got, as read from the store, and
// want, as written, after the normalization the contract allows: times come
// back in UTC truncated to the microsecond, and an empty slice or map may
// come back nil.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	var diffs []string
	walk(&diffs, what, reflect.ValueOf(got), reflect.ValueOf(want))
	if len(diffs) > 0 {
		t.Errorf("%s", strings.Join(diffs, "\n"))
	}
}

func walk(diffs *[]string, path string, got, want reflect.Value) {
	differ := func(g, w any) {
		*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %v", path, g, w))
	}
	if got.Type() == reflect.TypeFor[time.Time]() {
		g := got.Interface().(time.Time)
		w := want.Interface().(time.Time).UTC().Truncate(time.Microsecond)
		if !g.Equal(w) || g.Location() != time.UTC {
			differ(showTime(g), showTime(w))
		}
		return
	}
	switch got.Kind() {
	case reflect.Pointer:
		switch {
		case got.IsNil() && want.IsNil():
		case got.IsNil() || want.IsNil():
			differ(showPointer(got), showPointer(want))
		default:
			walk(diffs, path, got.Elem(), want.Elem())
		}
	case reflect.Struct:
		for i := range got.NumField() {
			walk(diffs, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
	case reflect.Slice:
		if got.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				differ(fmt.Sprintf("%x", got.Bytes()), fmt.Sprintf("%x", want.Bytes()))
			}
			return
		}
		if got.Len() != want.Len() {
			differ(fmt.Sprintf("%d elements", got.Len()), fmt.Sprintf("%d", want.Len()))
		}
		for i := range min(got.Len(), want.Len()) {
			walk(diffs, fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))
		}
	case reflect.Map:
		keys := slices.Concat(got.MapKeys(), want.MapKeys())
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		keys = slices.CompactFunc(keys, func(a, b reflect.Value) bool { return a.Equal(b) })
		for _, k := range keys {
			g, w := got.MapIndex(k), want.MapIndex(k)
			p := fmt.Sprintf("%s[%q]", path, fmt.Sprint(k))
			switch {
			case !g.IsValid():
				*diffs = append(*diffs, fmt.Sprintf("%s: missing, want %#v", p, w.Interface()))
			case !w.IsValid():
				*diffs = append(*diffs, fmt.Sprintf("%s: got %#v, want no such key", p, g.Interface()))
			default:
				walk(diffs, p, g, w)
			}
		}
	default:
		if !got.Equal(want) {
			differ(fmt.Sprintf("%#v", got.Interface()), fmt.Sprintf("%#v", want.Interface()))
		}
	}
}

func showTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.999999999Z07:00") + " (" + t.Location().String() + ")"
}

func showPointer(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	if t, ok := v.Elem().Interface().(time.Time); ok {
		return showTime(t)
	}
	return fmt.Sprintf("%#v", v.Elem().Interface())
}
