package web

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
)

func TestQRDataURLIsAPNG(t *testing.T) {
	u, err := qrDataURL("otpauth://totp/idbridge:dana?secret=JBSWY3DPEHPK3PXP&issuer=idbridge")
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(string(u), "data:image/png;base64,")
	if !ok {
		t.Fatalf("not a PNG data URL: %.40s", u)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("QR code is %v, want 256x256", b)
	}
}

func TestTextDataURLHoldsTheText(t *testing.T) {
	u := string(textDataURL("abcd-efgh\n"))
	b64, ok := strings.CutPrefix(u, "data:text/plain;charset=utf-8;base64,")
	raw, _ := base64.StdEncoding.DecodeString(b64)
	if !ok || string(raw) != "abcd-efgh\n" {
		t.Fatalf("textDataURL = %q", u)
	}
}
