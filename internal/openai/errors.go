package openai

import "encoding/json"

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
