//! Apply and destroy texts.
