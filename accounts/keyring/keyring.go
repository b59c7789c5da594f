// Package keyring encrypts small secrets at rest (TOTP seeds, identity
// provider client secrets, SP private keys) with AES-256-GCM under a ring of
// named keys: new data is sealed with the primary key, old data still opens
// with any key in the ring, so keys rotate without a flag day.
//
// It never logs, stores or returns key material.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Ring is a set of named 256-bit keys, one of them primary.
type Ring struct {
	primary string
	aeads   map[string]cipher.AEAD // by key ID; read-only after Parse
}

// ErrUndecryptable is returned for ciphertext that no key in the ring opens,
// whether tampered with, truncated or sealed under a key since removed.
var ErrUndecryptable = errors.New("keyring: cannot decrypt: unknown key or corrupted data")

// Parse reads a ring from "id:base64key[,id:base64key…]"; the first key is
// primary. Whitespace and newlines between entries are ignored, so a key
// file may hold one entry per line.
func Parse(spec string) (*Ring, error) {
	r := &Ring{aeads: map[string]cipher.AEAD{}}
	for _, entry := range strings.FieldsFunc(spec, func(c rune) bool { return c == ',' || c == '\n' || c == ' ' || c == '\r' || c == '\t' }) {
		id, b64, ok := strings.Cut(entry, ":")
		if !ok || id == "" || strings.ContainsAny(id, ".") {
			return nil, fmt.Errorf("keyring: entry must be id:base64key with an id free of '.'")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("keyring: key %q must be 32 bytes, standard base64", id)
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("keyring: key id %q appears twice", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.aeads[id] = aead
		if r.primary == "" {
			r.primary = id
		}
	}
	if r.primary == "" {
		return nil, errors.New("keyring: no keys")
	}
	return r, nil
}

// Generate returns a new ring spec with one random key named id.
func Generate(random io.Reader, id string) (string, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(random, key); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// PrimaryID names the key new data is sealed with.
func (r *Ring) PrimaryID() string { return r.primary }

// Seal encrypts plaintext under the primary key. associated binds the
// ciphertext to its context (e.g. "totp:"+userID), so a value copied to
// another row does not open. The result is "keyID.base64(nonce|ciphertext)".
func (r *Ring) Seal(plaintext []byte, associated string) (string, error) {
	aead := r.aeads[r.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(associated))
	return r.primary + "." + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts what Seal produced with the same associated data.
func (r *Ring) Open(sealed, associated string) ([]byte, error) {
	id, b64, ok := strings.Cut(sealed, ".")
	aead := r.aeads[id]
	if !ok || aead == nil {
		return nil, ErrUndecryptable
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrUndecryptable
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(associated))
	if err != nil {
		return nil, ErrUndecryptable
	}
	return plain, nil
}

// NeedsRotation reports whether sealed was made with a key other than the
// primary, so the caller may re-seal it.
func (r *Ring) NeedsRotation(sealed string) bool {
	id, _, _ := strings.Cut(sealed, ".")
	return id != r.primary
}
