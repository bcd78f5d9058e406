import ImageModel

/// Argument checks that reuse the model's grammar.
enum ImageReferenceCheck {
    static func repositoryName(_ name: String) -> Bool { ImageReference.isValidRepositoryName(name) }
}
