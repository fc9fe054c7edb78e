//! Small builders that keep schema declarations readable: every attribute gets a Markdown
//! description, as the Terraform registry renders it.

use std::collections::HashMap;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};

/// A required attribute.
pub(crate) fn required(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Required, description)
}

/// An optional attribute the user may leave out (null).
pub(crate) fn optional(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Optional, description)
}

/// An optional attribute whose default the provider fills in at plan time.
pub(crate) fn optional_with_default(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(
        attr_type,
        AttributeConstraint::OptionalComputed,
        description,
    )
}

/// A value only the provider sets.
pub(crate) fn computed(attr_type: AttributeType, description: &str) -> Attribute {
    attribute(attr_type, AttributeConstraint::Computed, description)
}

fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

/// A block with Markdown description.
pub(crate) fn block(
    description: &str,
    attributes: Vec<(&str, Attribute)>,
    blocks: Vec<(&str, NestedBlock)>,
) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<HashMap<_, _>>(),
        blocks: blocks
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<HashMap<_, _>>(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

/// The value of a `set(string)` attribute as Terraform sends it.
///
/// A `Vec`, not a set: elements not yet known are all equal as Rust values but distinct in
/// Terraform (two roles still to be created are two elements), so a set would merge them and
/// plan a set Terraform refuses as different from the configuration. Known elements arrive
/// without duplicates.
pub(crate) type SetOfStrings = tf_provider::value::Value<Vec<tf_provider::value::Value<String>>>;

/// A `set(string)` type.
pub(crate) fn set_of_strings() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// A `map(string)` type.
pub(crate) fn map_of_strings() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}
