"""The Lạng Sơn demo's content: four programmes with a course each, in Vietnamese, with
Tày vocabulary where it fits, and the demo learners. Used by ``manage.py seed_demo``.

A lesson is ``(title, body)`` or ``(title, body, options)``, options being LessonPage
fields. Media in a body are recipes (``speech``, ``sample_video``) that the seed turns
into sample files (courses.demo_media); a recipe it cannot make is left out."""

from cms.slugs import slugify_vi

SAMPLE_NOTE = (
    "<p>Âm thanh và video trong bản trình diễn là <b>tư liệu mẫu do máy tạo</b> (giọng "
    "tổng hợp theo dấu thanh, hình thử): chúng cho thấy trình phát hoạt động, không phải "
    "phát âm chuẩn. Giảng viên thay bằng bản ghi thật khi soạn bài.</p>"
)


def text(html: str) -> dict:
    return {"type": "text", "value": html}


def speech(title: str, lines: list[tuple[str, str]]) -> dict:
    """A sample-speech recipe: ``lines`` are ``(voice, text)``, voice "female" or "male"."""
    return {"sample": "speech", "title": title, "name": slugify_vi(title), "lines": lines}


def sample_video(title: str, label: str) -> dict:
    return {"sample": "video", "title": title, "name": slugify_vi(title), "label": label}


def vocab(word: str, meaning: str, example: str = "", example_meaning: str = "") -> dict:
    return {
        "type": "vocabulary",
        "value": {
            "word": word,
            "meaning": meaning,
            "example": example,
            "example_meaning": example_meaning,
            "pronunciation": speech(f"Âm thanh mẫu – phát âm “{word}”", [("female", word)]),
        },
    }


def audio(title: str, recipe: dict, transcript: str) -> dict:
    return {"type": "audio", "value": {"title": title, "audio": recipe, "transcript": transcript}}


def video(title: str, recipe: dict, transcript: str) -> dict:
    return {
        "type": "video",
        "value": {"title": title, "video": recipe, "poster": None, "transcript": transcript},
    }


def callout(kind: str, html: str) -> dict:
    return {"type": "callout", "value": {"kind": kind, "text": html}}


def sample_note() -> dict:
    """The note that the lesson's media are samples; left out with the media."""
    return {**callout("note", SAMPLE_NOTE), "with_media": True}


DIALOGUE = [
    ("male", "Pỉ pây lăng?", "Anh (chị) đi đâu đấy?"),
    ("female", "Pây ủy ban xã.", "Tôi đi ủy ban xã."),
    ("female", "Ủy ban xã dú tỉ lăng?", "Ủy ban xã ở đâu?"),
    ("male", "Pây tàng nẩy, bấu quây.", "Đi đường này, không xa."),
    ("female", "Đây lai!", "Tốt quá!"),
]
SPEAKERS = {"male": "Cán bộ", "female": "Người dân"}


PROGRAMS = [
    {
        "title": "Tiếng dân tộc cho cán bộ",
        "slug": "tieng-dan-toc",
        "track": "ethnic_language",
        "intro": "<p>Tiếng Tày, Nùng, Dao, H'Mông để cán bộ gần dân, hiểu dân.</p>",
        "courses": [
            {
                "title": "Tiếng Tày giao tiếp cơ bản cho cán bộ",
                "slug": "tieng-tay-giao-tiep-co-ban",
                "summary": "Chào hỏi, hỏi thăm gia đình, hỏi đường và làm việc với người dân "
                "bằng tiếng Tày trong các tình huống hằng ngày ở xã.",
                "language": "tyz",
                "level": "beginner",
                "hours": 24,
                "modules": [
                    (
                        "Chào hỏi và làm quen",
                        [
                            (
                                "Lời chào hằng ngày",
                                [
                                    text(
                                        "<p>Người Tày ở Lạng Sơn rất coi trọng lời chào. Khi gặp "
                                        "người lớn tuổi, hãy chào trước và gọi đúng vai vế.</p>"
                                    ),
                                    vocab(
                                        "Pây lăng?", "Đi đâu đấy?", "Pây lăng mà?", "Đi đâu về đấy?"
                                    ),
                                    vocab(
                                        "Kin khẩu dá?",
                                        "Ăn cơm chưa?",
                                        "Slao kin khẩu dá?",
                                        "Chị ăn cơm chưa?",
                                    ),
                                    vocab("Đây lai", "Tốt lắm, khỏe lắm"),
                                    callout(
                                        "tip",
                                        "<p>Câu “Kin khẩu dá?” là lời chào thân mật, "
                                        "không phải lời mời ăn cơm.</p>",
                                    ),
                                ],
                            ),
                            (
                                "Xưng hô trong gia đình",
                                [
                                    text(
                                        "<p>Cách gọi người thân trong tiếng Tày phân biệt bên nội, "
                                        "bên ngoại và tuổi tác.</p>"
                                    ),
                                    vocab("Pỏ", "Bố"),
                                    vocab("Mẻ", "Mẹ"),
                                    vocab("Pỉ", "Anh, chị"),
                                    vocab("Noọng", "Em"),
                                ],
                            ),
                        ],
                    ),
                    (
                        "Làm việc với người dân",
                        [
                            (
                                "Hỏi thăm sức khỏe và gia đình",
                                [
                                    text(
                                        "<p>Trước khi vào việc, cán bộ nên hỏi thăm sức khỏe và "
                                        "gia đình để tạo sự gần gũi.</p>"
                                    ),
                                    vocab(
                                        "Mì slí cần?",
                                        "Có mấy người?",
                                        "Rườn noọng mì slí cần?",
                                        "Nhà em có mấy người?",
                                    ),
                                    vocab("Ngoảng", "Khỏe mạnh"),
                                ],
                            ),
                            (
                                "Giải thích thủ tục hành chính",
                                [
                                    text(
                                        "<p>Dùng câu ngắn, nói chậm, kiểm tra lại người dân đã "
                                        "hiểu chưa bằng câu hỏi “Chắc dá?” (Biết chưa?).</p>"
                                    ),
                                    vocab("Chắc dá?", "Biết chưa? Hiểu chưa?"),
                                    callout(
                                        "note",
                                        "<p>Luôn mời người dân nhắc lại bằng lời của "
                                        "họ để chắc chắn họ đã hiểu.</p>",
                                    ),
                                ],
                            ),
                            (
                                "Hỏi đường trong xã",
                                [
                                    text(
                                        "<p>Nghe đoạn hội thoại giữa cán bộ và người dân hỏi "
                                        "đường đến ủy ban xã, rồi đọc lời thoại.</p>"
                                    ),
                                    audio(
                                        "Âm thanh mẫu: hội thoại hỏi đường (giọng tổng hợp)",
                                        speech(
                                            "Âm thanh mẫu – hội thoại hỏi đường",
                                            [(voice, line) for voice, line, _ in DIALOGUE],
                                        ),
                                        "\n".join(
                                            f"{SPEAKERS[voice]}: {line} ({meaning})"
                                            for voice, line, meaning in DIALOGUE
                                        ),
                                    ),
                                    vocab("Tàng", "Đường, con đường"),
                                    vocab("Quây", "Xa"),
                                    vocab("Dú tỉ lăng?", "Ở đâu?"),
                                    sample_note(),
                                ],
                                {"required": False, "summary": "Bài luyện nghe, không bắt buộc."},
                            ),
                        ],
                    ),
                ],
            }
        ],
    },
    {
        "title": "Đào tạo nghề ngắn hạn",
        "slug": "dao-tao-nghe",
        "track": "vocational",
        "intro": "<p>Các lớp nghề dưới 3 tháng cho thanh niên dân tộc thiểu số.</p>",
        "courses": [
            {
                "title": "Kỹ thuật chế biến hoa hồi",
                "slug": "ky-thuat-che-bien-hoa-hoi",
                "summary": "Thu hái, phơi, sấy và bảo quản hoa hồi đạt chuẩn bán cho doanh "
                "nghiệp; tránh nấm mốc và giữ tinh dầu.",
                "language": "vi",
                "level": "beginner",
                "hours": 40,
                "modules": [
                    (
                        "Thu hái đúng vụ",
                        [
                            (
                                "Nhận biết hồi chín",
                                [
                                    text(
                                        "<p>Hồi vụ chính thu hoạch tháng 8–9, vụ chiêm tháng 3–4. "
                                        "Quả chín có màu xanh chuyển nâu nhạt, cánh căng.</p>"
                                    ),
                                    callout(
                                        "warning",
                                        "<p>Không rung cây, không bẻ cành: cây hồi "
                                        "giòn, gãy cành sẽ mất mùa năm sau.</p>",
                                    ),
                                ],
                            ),
                        ],
                    ),
                    (
                        "Phơi và sấy",
                        [
                            (
                                "Chần nước sôi trước khi phơi",
                                [
                                    text(
                                        "<p>Chần hồi trong nước 80–90 °C khoảng 5 phút giúp quả "
                                        "có màu đỏ nâu đẹp và khô đều.</p>"
                                    ),
                                ],
                            ),
                            (
                                "Bảo quản chống mốc",
                                [
                                    text(
                                        "<p>Hồi khô đạt độ ẩm dưới 13%, đóng bao hai lớp, kê cao "
                                        "cách nền và tường ít nhất 20 cm.</p>"
                                    ),
                                ],
                            ),
                        ],
                    ),
                ],
            }
        ],
    },
    {
        "title": "Kỹ năng số",
        "slug": "ky-nang-so",
        "track": "it_literacy",
        "intro": "<p>Dùng điện thoại và dịch vụ công trực tuyến trong đời sống.</p>",
        "courses": [
            {
                "title": "Sử dụng dịch vụ công trực tuyến",
                "slug": "dich-vu-cong-truc-tuyen",
                "summary": "Tạo tài khoản định danh điện tử, nộp hồ sơ và theo dõi kết quả "
                "trên Cổng dịch vụ công ngay trên điện thoại.",
                "language": "vi",
                "level": "beginner",
                "hours": 8,
                "modules": [
                    (
                        "Bắt đầu",
                        [
                            (
                                "Tài khoản định danh điện tử",
                                [
                                    text(
                                        "<p>Tài khoản định danh điện tử mức 2 cho phép đăng nhập "
                                        "Cổng dịch vụ công quốc gia mà không cần tạo tài khoản mới.</p>"
                                    ),
                                    callout(
                                        "tip",
                                        "<p>Không bao giờ đọc mã OTP cho người khác, kể cả "
                                        "người xưng là cán bộ.</p>",
                                    ),
                                ],
                            ),
                            (
                                "Nộp hồ sơ đăng ký khai sinh",
                                [
                                    text(
                                        "<p>Chọn thủ tục, điền tờ khai, chụp ảnh giấy tờ rõ nét, "
                                        "kiểm tra lại rồi bấm Nộp hồ sơ.</p>"
                                    ),
                                ],
                            ),
                            (
                                "Xem video hướng dẫn",
                                [
                                    text(
                                        "<p>Xem video rồi làm lại từng bước trên điện thoại "
                                        "của mình. Video có thể tải về để xem khi không có "
                                        "mạng.</p>"
                                    ),
                                    video(
                                        "Video mẫu: nộp hồ sơ trên điện thoại (hình thử)",
                                        sample_video(
                                            "Video mẫu – nộp hồ sơ trên điện thoại", "VIDEO MẪU"
                                        ),
                                        "Video mẫu do máy tạo: hình thử và âm báo, thay cho "
                                        "video hướng dẫn mà giảng viên sẽ tải lên.",
                                    ),
                                    sample_note(),
                                ],
                                {"required": False, "summary": "Video mẫu, không bắt buộc."},
                            ),
                        ],
                    ),
                ],
            }
        ],
    },
    {
        "title": "An toàn thông tin",
        "slug": "an-toan-thong-tin",
        "track": "cybersecurity",
        "intro": "<p>Bảo vệ dữ liệu của cơ quan và của người dân.</p>",
        "courses": [
            {
                "title": "An toàn thông tin cho cán bộ cơ sở",
                "slug": "an-toan-thong-tin-can-bo-co-so",
                "summary": "Nhận diện lừa đảo qua mạng, đặt mật khẩu mạnh, bảo vệ dữ liệu "
                "cá nhân của người dân trên máy tính xã.",
                "language": "vi",
                "level": "intermediate",
                "hours": 12,
                "modules": [
                    (
                        "Lừa đảo qua mạng",
                        [
                            (
                                "Nhận diện tin nhắn giả mạo",
                                [
                                    text(
                                        "<p>Tin nhắn giả mạo thường thúc giục, đe dọa khóa tài "
                                        "khoản và gửi đường dẫn lạ.</p>"
                                    ),
                                    callout(
                                        "warning",
                                        "<p>Cơ quan nhà nước không yêu cầu cung cấp "
                                        "mật khẩu hay mã OTP qua điện thoại.</p>",
                                    ),
                                ],
                            ),
                        ],
                    ),
                    (
                        "Mật khẩu và dữ liệu",
                        [
                            (
                                "Mật khẩu mạnh và xác thực hai lớp",
                                [
                                    text(
                                        "<p>Dùng cụm từ dài, mỗi dịch vụ một mật khẩu, bật xác "
                                        "thực hai lớp cho email công vụ.</p>"
                                    ),
                                ],
                            ),
                        ],
                    ),
                ],
            }
        ],
    },
]

LEARNERS = [
    # username, full name, category, sex, birth year, unit name, ethnic group, consent
    ("hocvien.hoa", "Hoàng Thị Hoa", "official", "female", 1988, "Phường Đông Kinh", "Tày", True),
    ("hocvien.duc", "Lục Văn Đức", "youth", "male", 2002, "Xã Thất Khê", "Nùng", True),
    ("hocvien.mai", "Triệu Thị Mai", "youth", "female", 2004, "Xã Đình Lập", "Dao", True),
    ("hocvien.son", "Nông Văn Sơn", "prestigious", "male", 1961, "Xã Tràng Định", None, False),
    ("hocvien.lan", "Vi Thị Lan", "citizen", "female", 1995, "Phường Tam Thanh", None, None),
]
