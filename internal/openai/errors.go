package openai

import (
	"encoding/json"
	"net/http"
)

// ErrorBody is OpenAI's error envelope: {"error":{"message","type","param","code"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of the envelope. Param and Code are null when unset.
type ErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// EncodeError renders an error envelope.
func EncodeError(message, typ, param, code string) []byte {
	d := ErrorDetail{Message: message, Type: typ}
	if param != "" {
		d.Param = &param
	}
	if code != "" {
		d.Code = &code
	}
	b, _ := json.Marshal(ErrorBody{Error: d})
	return b
}

// WriteError writes an OpenAI error envelope with status: a
// server_error from 500 up, an invalid_request_error below. The admin and
// dashboard handlers answer with it; the gateway maps typed errors itself.
func WriteError(w http.ResponseWriter, status int, msg, param string) {
	typ := "invalid_request_error"
	if status >= 500 {
		typ = "server_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(EncodeError(msg, typ, param, ""))
}
