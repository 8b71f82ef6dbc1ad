import Foundation

/// The snake_case spelling of a camelCase field name (`inlineData` → `inline_data`).
func snakeCase(_ camel: String) -> String {
    var result = ""
    for character in camel {
        if character.isUppercase {
            result.append("_")
            result.append(contentsOf: character.lowercased())
        } else {
            result.append(character)
        }
    }
    return result
}
