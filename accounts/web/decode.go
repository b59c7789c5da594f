package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

// decodeJSON reads exactly one JSON object into dst, refusing unknown
// fields, wrong types, trailing data and other media types with an error
// that says what to fix. The body size limit is the server's middleware's.
func decodeJSON(c *gin.Context, dst any) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return accounts.Errorf(codeMediaType, "send the body as Content-Type: application/json")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return accounts.Errorf(codeMalformed, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return TooLarge(tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return accounts.Errorf(codeMalformed, "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return accounts.Errorf(codeMalformed, "the body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return accounts.Errorf(codeMalformed, "the body ends in the middle of the JSON")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return accounts.Errorf(codeMalformed, "the body must be a JSON object")
		}
		return &accounts.Error{Code: accounts.CodeInvalid, Field: typeErr.Field,
			Message: typeErr.Field + " must be a JSON " + jsonKind(typeErr.Type.Kind().String())}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &accounts.Error{Code: accounts.CodeInvalid, Field: field, Message: "unknown field " + field}
	}
	return accounts.Errorf(codeMalformed, "the body could not be read as JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}

// TooLarge is the error for a body over the server's limit of n bytes.
func TooLarge(n int64) error {
	return accounts.Errorf(codeTooLarge, "the request body is larger than %d bytes", n)
}
